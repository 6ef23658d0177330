// The product page's JSON-LD follows the live stock: when a pushed #stock-<pk> lands, that
// option's Offer says InStock or OutOfStock, as the badge does (commerce/catalog/seo.py).
(function () {
  "use strict";
  var SCHEMA = "https://schema.org/";
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var el = event.target;
    if (!el || !el.id || el.id.indexOf("stock-") !== 0) return;
    var script = document.getElementById("product-ld");
    if (!script) return;
    var data;
    try {
      data = JSON.parse(script.textContent);
    } catch (e) {
      return;
    }
    var suffix = "#offer-" + el.id.slice(6);
    var stock = parseInt(el.getAttribute("data-stock"), 10);
    var changed = false;
    (data.offers || []).forEach(function (offer) {
      var id = offer["@id"] || "";
      if (id.slice(-suffix.length) !== suffix) return;
      var now = SCHEMA + (stock > 0 ? "InStock" : "OutOfStock");
      if (offer.availability !== now) {
        offer.availability = now;
        changed = true;
      }
    });
    if (!changed) return;
    var meta = document.querySelector('meta[property="product:availability"]');
    if (meta) {
      var any = (data.offers || []).some(function (offer) { return offer.availability === SCHEMA + "InStock"; });
      meta.setAttribute("content", any ? "in stock" : "out of stock");
    }
    // Escaped as the server writes it, so the text never holds "</script>".
    script.textContent = JSON.stringify(data).replace(/</g, "\\u003C").replace(/>/g, "\\u003E").replace(/&/g, "\\u0026");
  });
})();
