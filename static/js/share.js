/* « Copier le lien » on a programme page: shown only where the browser lets the page copy. */
(function () {
  "use strict";
  if (!navigator.clipboard || !window.isSecureContext) {
    return;
  }
  document.querySelectorAll("[data-share-copy]").forEach(function (item) {
    var button = item.querySelector("[data-share-url]");
    var status = document.getElementById(button.getAttribute("aria-describedby"));
    item.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.dataset.shareUrl).then(
        function () {
          status.textContent = button.dataset.shareCopied;
        },
        function () {
          status.textContent = button.dataset.shareFailed;
        }
      );
    });
  });
})();
