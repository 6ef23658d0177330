/* Ops pages: heal the order feed after each (re)connect, and keep an order page's actions in step
   with its status (and its returns) when someone else moves the order along. */
(function () {
  "use strict";

  // The socket's groups are joined before it opens: a feed read now misses nothing pushed since.
  document.addEventListener("htmx:wsOpen", function () {
    var feed = document.getElementById("ops-feed");
    if (!feed) return;
    htmx.ajax("GET", window.location.pathname + window.location.search, {
      source: feed, target: "#ops-feed", select: "#ops-feed", swap: "outerHTML"
    }).then(function () {
      document.body.setAttribute("data-ops-synced", String(Date.now()));
    });
  });

  // A pushed row in the status (and return state) this page already shows changes nothing visible: keep the row as it
  // is, with what someone is typing into it (a tracking number) and the message their action got.
  // (The answer to an action carries a message, and is always swapped.)
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || !target.classList || !target.classList.contains("ops-row")) return;
    var incoming = event.detail.fragment && event.detail.fragment.firstElementChild;
    if (!incoming || incoming.querySelector(".ops-row__notice")) return;
    if (incoming.getAttribute("data-status") === target.getAttribute("data-status") &&
        incoming.getAttribute("data-return") === target.getAttribute("data-return")) event.detail.shouldSwap = false;
  });

  // The order page's actions: not re-read while one of them is being sent (its answer replaces them).
  var acting = 0;
  function inActions(event) {
    var elt = event.detail && event.detail.elt;
    return !!(elt && elt.closest && elt.closest("#ops-actions"));
  }
  document.addEventListener("htmx:beforeRequest", function (event) { if (inActions(event)) acting += 1; });
  document.addEventListener("htmx:afterRequest", function (event) { if (inActions(event)) acting = Math.max(0, acting - 1); });

  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var target = event.target; // the element swapped in (detail.target is the one it replaced)
    if (!target || (target.id !== "order-status" && target.id !== "order-after-sale")) return;
    var actions = document.getElementById("ops-actions");
    if (!actions || acting) return;
    // The status moved, or a return did (the shopper asked for one): re-read the actions.
    var attr = target.id === "order-status" ? "data-status" : "data-return";
    if (actions.getAttribute(attr) === target.getAttribute(attr)) return;
    if (actions.contains(document.activeElement) && document.activeElement.value) return; // someone is typing
    htmx.ajax("GET", window.location.pathname, {
      source: actions, target: "#ops-actions", select: "#ops-actions", swap: "outerHTML"
    });
  });
})();
