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
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 403) toast("Your session has expired. Reload the page and try again.");
    else if (status === 404) toast("That item is no longer available. Reload the page to see what is.");
    else toast("Something went wrong (" + status + "). Please try again.");
  });
  document.addEventListener("htmx:sendError", function () {
    toast("Can't reach the store. Check your connection and try again.");
  });

  // A push of #live-refresh (the person's cart was just created, in this tab or another):
  // reconnect the page's socket with its topics re-signed plus those every page follows now.
  function liveRefresh() {
    var body = document.body;
    var url = body.getAttribute("ws-connect");
    var token = url ? new URL(url, window.location.href).searchParams.get("t") : "";
    fetch("/live/extend/?t=" + encodeURIComponent(token || ""), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || !data.token) return;
        var internal = body["htmx-internal-data"];
        if (internal && internal.webSocket) internal.webSocket.close();
        body.setAttribute("hx-ext", "ws");
        body.setAttribute("ws-connect", "/ws/live/?t=" + encodeURIComponent(data.token));
        body.setAttribute("data-live-refreshed", String(Date.now()));
        body.setAttribute("data-live", "connecting");
        htmx.process(body);
      });
  }
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (event.target && event.target.id === "live-refresh") liveRefresh();
  });

  // The live socket's state, for people (the header dot) and for tests (body[data-live]).
  document.addEventListener("htmx:wsOpen", function () { document.body.setAttribute("data-live", "open"); });
  document.addEventListener("htmx:wsClose", function (event) {
    // A socket replaced by liveRefresh closes after its successor opened: ignore it.
    var current = document.body["htmx-internal-data"] && document.body["htmx-internal-data"].webSocket;
    if (current && event.detail && current.publicInterface !== event.detail.socketWrapper) return;
    document.body.setAttribute("data-live", "closed");
  });

  // A pushed fragment carries every part a topic can show (the cart badge and the cart page
  // body, say); drop the parts this page does not have instead of letting htmx log errors.
  document.addEventListener("htmx:wsBeforeMessage", function (event) {
    var html = event.detail.message;
    if (typeof html !== "string" || html.indexOf("hx-swap-oob") < 0) return;
    var template = document.createElement("template");
    template.innerHTML = html;
    var parts = Array.prototype.slice.call(template.content.children);
    var kept = parts.filter(function (el) { return !el.id || document.getElementById(el.id); });
    if (kept.length === parts.length) return;
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
    var button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = !checked;
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
})();
