// The pay page: the hold countdown and the Stripe.js card form.
(function () {
  "use strict";

  var expired = false;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function clock(seconds) { return pad(Math.floor(seconds / 60)) + ":" + pad(seconds % 60); }

  function expire(box, message, announce, button) {
    expired = true;
    box.classList.add("hold-countdown--expired");
    var link = document.createElement("a");
    link.href = box.dataset.cartUrl || "/cart/";
    link.textContent = "check out again";
    message.replaceChildren("Your hold has expired. The items went back on sale; ", link, " to try once more.");
    if (announce) announce.textContent = "Your hold has expired.";
    if (button) button.disabled = true;
  }

  // The order page's topic follows this page too: the server's word beats the local clock.
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var el = event.target;
    if (!el || el.id !== "order-status") return;
    var status = el.getAttribute("data-status");
    if (status === "cancelled") {
      // The hold was released: say so here (once), and stay on the page with its "check out again" link.
      if (expired) return;
      if (holdTimer) clearInterval(holdTimer);
      expire(document.getElementById("hold-countdown"), document.getElementById("hold-message"),
             document.getElementById("hold-announce"), document.getElementById("pay-button"));
    } else if (status !== "pending_payment") {
      var box = document.getElementById("hold-countdown");
      if (box && box.dataset.orderUrl) window.location.assign(box.dataset.orderUrl);
    }
  });

  var holdTimer = null;

  function countdown() {
    var box = document.getElementById("hold-countdown");
    if (!box) return;
    var message = document.getElementById("hold-message");
    var time = document.getElementById("hold-time");
    var announce = document.getElementById("hold-announce");
    var button = document.getElementById("pay-button");
    var left = parseInt(box.dataset.secondsLeft, 10) || 0;
    if (left <= 0) { expire(box, message, null, button); return; }
    // A monotonic deadline: the page's own clock, so a wrong system time does not matter.
    var deadline = performance.now() + left * 1000;
    var lastMinute = Math.ceil(left / 60);
    var timer = holdTimer = setInterval(function () {
      var remaining = Math.max(0, Math.round((deadline - performance.now()) / 1000));
      if (remaining <= 0) {
        clearInterval(timer);
        expire(box, message, announce, button);
        return;
      }
      if (time) time.textContent = clock(remaining);
      box.classList.toggle("hold-countdown--low", remaining <= 60);
      var minute = Math.ceil(remaining / 60);
      if (minute !== lastMinute && announce) {
        lastMinute = minute;
        announce.textContent = minute === 1 ? "Less than a minute left to pay." : minute + " minutes left to pay.";
      }
    }, 1000);
  }

  function payment() {
    var form = document.getElementById("payment-form");
    if (!form) return;
    var errors = document.getElementById("card-errors");
    var button = document.getElementById("pay-button");
    function showError(text) { errors.textContent = text || ""; }
    function busy(on) {
      button.disabled = on || expired;
      button.classList.toggle("is-busy", on);
      form.setAttribute("aria-busy", on ? "true" : "false");
    }
    if (typeof window.Stripe !== "function") {
      showError("The payment form could not be loaded. Check your connection and reload the page.");
      button.disabled = true;
      return;
    }
    var stripe = window.Stripe(form.dataset.publishableKey);
    var card = stripe.elements().create("card");
    card.mount("#card-element");
    card.on("change", function (event) { showError(event && event.error ? event.error.message : ""); });

    // localstripe's stand-in confirms no card by itself: tokenize in the browser, the
    // server confirms, and 3-D Secure (if the card asks for it) runs here.
    async function payWithTestToken() {
      var made = await stripe.createToken(card);
      if (made.error) return {error: {message: (made.error && made.error.message) || "Check your card details."}};
      var response = await fetch(form.dataset.testTokenUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {"X-CSRFToken": form.elements.csrfmiddlewaretoken.value},
        body: new URLSearchParams({token: made.token.id}),
      });
      var data = await response.json().catch(function () { return {}; });
      if (!response.ok) return {error: {message: data.error || "Your payment did not go through."}};
      if (data.status === "requires_action") return stripe.confirmCardPayment(form.dataset.clientSecret);
      if (data.status === "succeeded" || data.status === "processing") return {};
      return {error: {message: data.error || "Your payment did not go through. Try another card."}};
    }

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (expired || button.disabled) return;
      busy(true);
      showError("");
      try {
        var result = form.dataset.testTokenUrl
          ? await payWithTestToken()
          : await stripe.confirmCardPayment(form.dataset.clientSecret, {payment_method: {card: card}});
        if (result && result.error) {
          showError(result.error.message || "Your payment did not go through.");
          busy(false);
          return;
        }
        window.location.assign(form.dataset.returnUrl);
      } catch (err) {
        showError("We could not reach the payment service. Nothing was charged; please try again.");
        busy(false);
      }
    });
  }

  countdown();
  payment();
})();
