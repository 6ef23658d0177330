// Small glue for htmx: tell the shopper when a request fails instead of doing nothing.
(function () {
  "use strict";
  var timer;
  function toast(message) {
    var el = document.getElementById("toast");
    if (!el) return;
    el.textContent = message;
    el.hidden = false;
    clearTimeout(timer);
    timer = setTimeout(function () { el.hidden = true; }, 5000);
  }
  // A refused step (project/errors.py) names its own message: show it rather than a generic one.
  document.addEventListener("domainError", function (event) {
    if (event.detail && event.detail.message) toast(event.detail.message);
  });
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var trigger = event.detail.xhr ? event.detail.xhr.getResponseHeader("HX-Trigger") || "" : "";
    if (trigger.indexOf("domainError") !== -1) return;
    if (status === 403) toast("Your session has expired. Reload the page and try again.");
    else if (status === 404) toast("That item is no longer available. Reload the page to see what is.");
    else toast("Something went wrong (" + status + "). Please try again.");
  });
  document.addEventListener("htmx:sendError", function () {
    toast("Can't reach the store. Check your connection and try again.");
  });

  // A form that must go once (placing an order): a second click while the first is on its way
  // does nothing, and the button shows it is busy.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once")) return;
    if (form.getAttribute("data-submitted")) { event.preventDefault(); return; }
    form.setAttribute("data-submitted", "true");
    var button = event.submitter || form.querySelector("button[type=submit]");
    if (button) {
      button.classList.add("is-busy");
      setTimeout(function () { button.disabled = true; }, 0);  // after the browser took the submission
    }
  });
  // Back to a page the browser kept (bfcache): its form may be sent again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitted]").forEach(function (form) {
      form.removeAttribute("data-submitted");
      form.querySelectorAll(".is-busy").forEach(function (b) { b.classList.remove("is-busy"); b.disabled = false; });
    });
  });

  // A push of #live-refresh (the person's cart was just created, in this tab or another):
  // reconnect the page's socket with its topics re-signed plus those every page follows now.
  // One re-sign at a time: a second push (this tab's own answer and the broadcast both carry
  // #live-refresh) waits for the first and reconnects only if it adds topics.
  var refreshing = false, refreshAgain = false;
  function liveRefresh() {
    if (refreshing) { refreshAgain = true; return; }
    refreshing = true;
    var body = document.body;
    var url = body.getAttribute("ws-connect");
    var token = url ? new URL(url, window.location.href).searchParams.get("t") : "";
    fetch("/live/extend/?t=" + encodeURIComponent(token || ""), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.token && data.changed !== false) liveConnect(data.token);
      })
      .finally(function () {
        refreshing = false;
        if (refreshAgain) { refreshAgain = false; liveRefresh(); }
      });
  }
  function liveConnect(token) {
    var body = document.body;
    var internal = body["htmx-internal-data"];
    if (internal && internal.webSocket) internal.webSocket.close();
    body.setAttribute("hx-ext", "ws");
    body.setAttribute("ws-connect", "/ws/live/?t=" + encodeURIComponent(token));
    body.setAttribute("data-live-refreshed", String(Date.now()));
    body.setAttribute("data-live", "connecting");
    htmx.process(body);
  }
  // A results partial swapped in by htmx (search) carries the signed topics of what it now
  // shows: follow them, so its stock figures stay live too. Read once: a later re-sign
  // (liveRefresh) must not be undone by an old partial's token.
  document.addEventListener("htmx:afterSettle", function () {
    var holder = document.querySelector("[data-live-token]");
    if (!holder) return;
    var token = holder.getAttribute("data-live-token");
    holder.removeAttribute("data-live-token");
    var url = document.body.getAttribute("ws-connect");
    var current = url ? new URL(url, window.location.href).searchParams.get("t") : "";
    if (token && token !== current) liveConnect(token);
  });
  // This browser's other tabs hear of it too: a page opened on a first visit (no session then, so
  // following no topic of this visitor's) learns this way that the visitor now has a cart.
  var liveTabs = "BroadcastChannel" in window ? new BroadcastChannel("store-live-refresh") : null;
  if (liveTabs) liveTabs.onmessage = function () { liveRefresh(); };
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (!event.target || event.target.id !== "live-refresh") return;
    liveRefresh();
    if (liveTabs) liveTabs.postMessage("refresh");
  });

  // Reconnecting: the ws extension's own "full-jitter" waits up to 64 s once a few tries failed (a
  // Redis outage), so a page could stay silent for a minute after the store is whole again. Here
  // the wait doubles from half a second up to LIVE_RETRY_MAX_MS, jittered so pages spread out.
  var LIVE_RETRY_MAX_MS = 8000;
  htmx.config.wsReconnectDelay = function (retryCount) {
    var ceiling = Math.min(LIVE_RETRY_MAX_MS, 500 * Math.pow(2, retryCount));
    return ceiling / 2 + Math.random() * ceiling / 2;
  };

  // The live socket's state, for people (the header dot) and for tests (body[data-live]).
  document.addEventListener("htmx:wsOpen", function () { document.body.setAttribute("data-live", "open"); });
  document.addEventListener("htmx:wsClose", function (event) {
    // A socket replaced by liveRefresh closes after its successor opened: ignore it.
    var current = document.body["htmx-internal-data"] && document.body["htmx-internal-data"].webSocket;
    if (current && event.detail && current.publicInterface !== event.detail.socketWrapper) return;
    document.body.setAttribute("data-live", "closed");
    // 4401: this browser signed out (in another tab, say); the page is no longer live.
    if (event.detail && event.detail.event && event.detail.event.code === 4401) {
      toast("You signed out. Reload the page to go on.");
    }
  });

  function sameMarkup(current, part) {
    // Pushed fragments carry no CSRF inputs (the token travels in a header): compare without them.
    function bare(el) {
      var copy = el.cloneNode(true);
      copy.removeAttribute("hx-swap-oob");
      Array.prototype.forEach.call(copy.querySelectorAll("input[name=csrfmiddlewaretoken]"), function (i) { i.remove(); });
      return copy.outerHTML;
    }
    return bare(part) === bare(current);
  }

  // Whether this page can take one part of a pushed fragment. "beforeend:<selector>" parts (a
  // new chat message) lose the children this page already shows (the tab that sent it).
  function oobPartWanted(el) {
    var spec = el.getAttribute("hx-swap-oob");
    if (spec === null) return true;
    var colon = spec.indexOf(":");
    if (colon < 0) {
      if (!el.id) return true;
      var current = document.getElementById(el.id);
      if (el.hasAttribute("data-signal")) return !!current;  // a nudge (re-sign, resync): always
      // A state the page already shows (the snapshot of a page just loaded, say) is not swapped
      // again: swapping it would throw away what the person is typing into it.
      return !!current && !sameMarkup(current, el);
    }
    var target;
    try { target = document.querySelector(spec.slice(colon + 1)); } catch (e) { return false; }
    if (!target) return false;
    if (spec.indexOf("beforeend") === 0) {
      Array.prototype.slice.call(el.children).forEach(function (child) {
        if (child.id && document.getElementById(child.id)) { child.remove(); el.setAttribute("data-trimmed", ""); }
      });
      return el.children.length > 0;
    }
    return true;
  }

  // A pushed fragment carries every part a topic can show (the cart badge and the cart page
  // body, say); drop the parts this page does not have instead of letting htmx log errors.
  document.addEventListener("htmx:wsBeforeMessage", function (event) {
    var html = event.detail.message;
    if (typeof html !== "string" || html.indexOf("hx-swap-oob") < 0) return;
    var template = document.createElement("template");
    template.innerHTML = html;
    var parts = Array.prototype.slice.call(template.content.children);
    var changed = false;
    var kept = parts.filter(function (el) {
      var keep = oobPartWanted(el);
      if (!keep) changed = true;
      return keep;
    });
    if (!changed && !parts.some(function (el) { return el.hasAttribute("data-trimmed"); })) return;
    event.preventDefault();
    if (!kept.length) return;
    htmx.swap(document.body, kept.map(function (el) { return el.outerHTML; }).join(""), { swapStyle: "none" });
  });

  // Live stock: a pushed #stock-<pk> also enables or disables that option and "Add to cart".
  function syncAddForm() {
    var form = document.getElementById("add-to-cart");
    if (!form) return;
    var checked = form.querySelector('input[name="variant"]:checked');
    if (!checked) {
      checked = form.querySelector('input[name="variant"]:not(:disabled)');
      if (checked) checked.checked = true;
    }
    // "Add to cart" itself: a sold-out option's "Notify me" inside the form submits a form of its own.
    var button = form.querySelector('.add-form__row button[type="submit"]');
    if (button) button.disabled = !checked;
    var soldOut = form.querySelector(".add-form__sold-out");
    if (soldOut) soldOut.hidden = !!checked;
  }
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var el = event.target;
    if (!el || !el.id || el.id.indexOf("stock-") !== 0) return;
    var soldOut = parseInt(el.getAttribute("data-stock"), 10) <= 0;
    var radio = document.querySelector('input[name="variant"][value="' + el.id.slice(6) + '"]');
    if (radio) {
      radio.disabled = soldOut;
      if (soldOut) radio.checked = false;
      var label = radio.closest(".variant");
      if (label) label.classList.toggle("variant--out", soldOut);
    }
    syncAddForm();
    // On the cart page, a line that now exceeds (or no longer exceeds) what is left gets
    // its note from the server.
    var line = document.getElementById("line-" + el.id.slice(6));
    if (line) {
      var qty = line.querySelector('input[name="quantity"]');
      var exceeds = qty && parseInt(qty.value, 10) > parseInt(el.getAttribute("data-stock"), 10);
      if (exceeds !== line.classList.contains("cart-line--problem")) {
        htmx.ajax("GET", window.location.pathname, { target: "#cart-body", select: "#cart-body", swap: "outerHTML" });
      }
    }
    var card = el.closest(".product-card");
    if (card) {
      var figures = card.querySelectorAll('[id^="stock-"]');
      var allOut = Array.prototype.every.call(figures, function (f) { return parseInt(f.getAttribute("data-stock"), 10) <= 0; });
      card.classList.toggle("product-card--out", allOut);
      var badge = card.querySelector(".product-card__soldout");
      if (badge) badge.hidden = !allOut;
    }
  });

  // Header search box: a combobox (ARIA 1.2) over the listbox htmx fills as the shopper types.
  // Up/Down move through the options, Enter opens the active one (or searches), Escape closes.
  function searchBox() {
    var input = document.getElementById("site-search-q");
    var list = document.getElementById("site-search-suggestions");
    return input && list ? { input: input, list: list } : null;
  }
  function searchOptions(box) {
    return Array.prototype.slice.call(box.list.querySelectorAll('[role="option"]:not([aria-disabled="true"])'));
  }
  function searchShow(box, open) {
    open = open && box.list.children.length > 0;
    box.list.hidden = !open;
    box.input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) searchActivate(box, null);
  }
  function searchActivate(box, option) {
    searchOptions(box).forEach(function (o) { o.setAttribute("aria-selected", o === option ? "true" : "false"); });
    if (option) {
      box.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      box.input.removeAttribute("aria-activedescendant");
    }
  }
  document.addEventListener("htmx:afterSwap", function (event) {
    var box = searchBox();
    if (!box || event.detail.target !== box.list) return;
    searchShow(box, document.activeElement === box.input);
    var count = box.list.querySelectorAll("a[href*='/products/']").length;
    var status = document.getElementById("site-search-status");
    if (status) status.textContent = box.list.children.length ? count + " suggestion" + (count === 1 ? "" : "s") + ", use the arrow keys" : "";
  });
  document.addEventListener("keydown", function (event) {
    var box = searchBox();
    if (!box || event.target !== box.input) return;
    var options = searchOptions(box);
    var active = box.list.querySelector('[aria-selected="true"]');
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!options.length) return;
      event.preventDefault();
      searchShow(box, true);
      var index = options.indexOf(active) + (event.key === "ArrowDown" ? 1 : -1);
      if (index >= options.length) index = 0;
      if (index < 0) index = options.length - 1;
      searchActivate(box, options[index]);
    } else if (event.key === "Enter" && active && !box.list.hidden) {
      var link = active.querySelector("a");
      if (link) {
        event.preventDefault();
        window.location.assign(link.href);
      }
    } else if (event.key === "Escape" && !box.list.hidden) {
      event.preventDefault();
      searchShow(box, false);
    }
  });
  document.addEventListener("focusin", function (event) {
    var box = searchBox();
    if (box && event.target === box.input) searchShow(box, true);
  });
  document.addEventListener("focusout", function (event) {
    var box = searchBox();
    if (box && event.target === box.input && !box.input.form.contains(event.relatedTarget)) searchShow(box, false);
  });
  document.addEventListener("mousedown", function (event) {
    // Keep focus in the box while a suggestion is clicked, so the list stays until the click lands.
    var box = searchBox();
    if (box && event.target instanceof Element && box.list.contains(event.target)) event.preventDefault();
  });

  // The order page's after-sale panel. While the shopper's own request from it is on its way, a
  // pushed copy is not swapped in: it would detach the element the answer is aimed at (the answer
  // brings the new state, and a message). A pushed copy in the same state (status, return) changes
  // nothing visible either: the panel is kept, with what the shopper is typing.
  var afterSaleBusy = 0;
  function inAfterSale(event) {
    // The element that asked (detail.elt is where the event fires: an ancestor once it is detached).
    var config = event.detail && event.detail.requestConfig;
    var elt = config ? config.elt : null;
    return !!(elt && elt.closest && elt.closest("#order-after-sale"));
  }
  document.addEventListener("htmx:beforeRequest", function (event) { if (inAfterSale(event)) afterSaleBusy += 1; });
  // (Once its answer replaced the panel, the form that asked is detached: htmx tells an ancestor still
  // on the page, and closest() still finds the old panel around the form.)
  document.addEventListener("htmx:afterRequest", function (event) {
    if (inAfterSale(event)) afterSaleBusy = Math.max(0, afterSaleBusy - 1);
  });
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "order-after-sale") return;
    var incoming = event.detail.fragment && event.detail.fragment.firstElementChild;
    if (!incoming) return;
    if (afterSaleBusy || (incoming.getAttribute("data-return") === target.getAttribute("data-return") &&
        incoming.getAttribute("data-status") === target.getAttribute("data-status"))) {
      event.detail.shouldSwap = false;
    }
  });
})();
