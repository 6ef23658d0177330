/* Support chat: the customer's panel, the agent's thread, and the small signals both send over
   the page's socket (typing, "seen", presence). Messages themselves go by HTTP POST. */
(function () {
  "use strict";
  var socket = null;
  var TYPING_EVERY_MS = 3000;
  var HEARTBEAT_MS = 20000;
  var lastTyping = 0;

  document.addEventListener("htmx:wsOpen", function (event) {
    socket = event.detail.socketWrapper;
    if (document.body.hasAttribute("data-agent")) send({ type: "presence" });
    markSeen();
  });
  document.addEventListener("htmx:wsClose", function () { socket = null; });
  function send(message) {
    if (socket) socket.send(JSON.stringify(message), document.body);
  }
  setInterval(function () {
    if (document.body.hasAttribute("data-agent") && document.visibilityState === "visible") send({ type: "presence" });
  }, HEARTBEAT_MS);

  // Typing: at most one signal every few seconds while the person types.
  document.addEventListener("input", function (event) {
    var topic = event.target.getAttribute && event.target.getAttribute("data-typing-topic");
    if (!topic) return;
    var now = Date.now();
    if (now - lastTyping < TYPING_EVERY_MS) return;
    lastTyping = now;
    send({ type: "typing", topic: topic });
  });

  // "Seen": the thread is on screen and the tab is visible.
  function visibleThread() {
    if (document.visibilityState !== "visible") return null;
    var staff = document.getElementById("conversation-messages");
    if (staff) return staff;
    var panel = document.getElementById("support-panel");
    var mine = document.getElementById("support-messages");
    return panel && !panel.hidden && mine ? mine : null;
  }
  function markSeen() {
    var thread = visibleThread();
    var pk = thread && thread.getAttribute("data-conversation");
    // An agent's thread page follows the staff side of the conversation; the customer's widget, their own.
    var prefix = thread && thread.id === "conversation-messages" ? "conversation_staff." : "conversation.";
    if (pk) send({ type: "seen", topic: prefix + pk });
  }
  document.addEventListener("visibilitychange", markSeen);
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || !target.id) return;
    if (target.id === "support-messages" || target.id === "conversation-messages") {
      markSeen();
      target.scrollTop = target.scrollHeight;
    }
    if (target.id === "inbox-sync") htmx.trigger("#support-inbox", "inbox:sync");
    if (target.id === "support-inbox") filterInbox();
  });

  // The customer's panel: opens and closes in place; loads its body the first time.
  var panel = function () { return document.getElementById("support-panel"); };
  var toggle = function () { return document.getElementById("support-toggle"); };
  function openPanel(load) {
    var p = panel(), t = toggle();
    if (!p || !t) return;
    p.hidden = false;
    t.setAttribute("aria-expanded", "true");
    if (load && !document.getElementById("support-body")) htmx.trigger(t, "support:load");
    var input = document.getElementById("support-input");
    if (input) input.focus();
    markSeen();
  }
  function closePanel() {
    var p = panel(), t = toggle();
    if (!p || !t) return;
    p.hidden = true;
    t.setAttribute("aria-expanded", "false");
    t.focus();
  }
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("#support-toggle, #support-close, [data-canned]") : null;
    if (!el) return;
    if (el.id === "support-toggle") {
      if (panel().hidden) openPanel(true); else closePanel();
    } else if (el.id === "support-close") {
      closePanel();
    } else {
      var input = document.getElementById("reply-input");
      if (!input) return;
      var text = el.getAttribute("data-canned");
      input.value = input.value ? input.value.replace(/\s*$/, "\n") + text : text;
      input.focus();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && panel() && !panel().hidden && panel().contains(document.activeElement)) closePanel();
    // Enter sends, Shift+Enter starts a new line.
    var t = event.target;
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && (t.id === "support-input" || t.id === "reply-input")) {
      event.preventDefault();
      if (t.form && t.value.trim()) t.form.requestSubmit();
    }
  });
  document.addEventListener("support:opened", function () { openPanel(false); });
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (target && (target.id === "support-panel-body" || target.id === "support-body")) {
      var list = document.getElementById("support-messages");
      if (list) list.scrollTop = list.scrollHeight;
      if (document.activeElement === document.body) {
        var input = document.getElementById("support-input");
        if (input) input.focus();
      }
      markSeen();
    }
  });

  // The agent's inbox: rows pushed in are shown only if they match the filter in view.
  function filterInbox() {
    var list = document.getElementById("support-inbox");
    if (!list) return;
    var view = list.getAttribute("data-view"), me = list.getAttribute("data-me");
    Array.prototype.forEach.call(list.querySelectorAll(".inbox-row"), function (row) {
      var status = row.getAttribute("data-status"), assignee = row.getAttribute("data-assignee");
      var show = view === "closed" ? status === "closed"
        : status === "open" && (view === "open" || (view === "mine" && assignee === me) || (view === "unassigned" && assignee === "none"));
      row.hidden = !show;
    });
  }
  document.addEventListener("htmx:oobAfterSwap", filterInbox);
  document.addEventListener("DOMContentLoaded", filterInbox);
})();
