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
})();
