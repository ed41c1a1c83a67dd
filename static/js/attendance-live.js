/* The trainer's attendance sheet, live: the code, the QR code and the list, swapped in every few
   seconds from the sheet's fragment without reloading the page. Without this script the page
   reloads itself (a refresh inside <noscript>, which a browser running scripts never applies). */
(function () {
  "use strict";
  var live = document.getElementById("feuille-direct");
  if (!live || !window.fetch) {
    return;
  }
  var url = live.dataset.liveUrl;
  var every = Math.max(1, parseInt(live.dataset.pollSeconds, 10) || 3) * 1000;
  var busy = false;

  function countDown() {
    var left = live.querySelector("[data-seconds-left]");
    if (left) {
      var value = parseInt(left.textContent, 10);
      if (value > 1) {
        left.textContent = String(value - 1);
      }
    }
  }

  function refresh() {
    // A trainer tapping a mark button must not see the list change under their finger.
    if (busy || document.hidden || live.contains(document.activeElement) && document.activeElement.tagName === "BUTTON") {
      return;
    }
    busy = true;
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (response.redirected || !response.ok) {
          // Signed out, or the sheet is gone: a full load says why.
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        live.innerHTML = html;
      })
      .catch(function () {
        /* A lost connection: the next poll tries again. */
      })
      .then(function () {
        busy = false;
      });
  }

  window.setInterval(countDown, 1000);
  window.setInterval(refresh, every);
})();
