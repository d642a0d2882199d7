// Progressive enhancement: a button after each element with data-copy-label that copies the element's text.
// Without JavaScript (or a clipboard) the text stays selectable and no button is shown.
"use strict";
document.querySelectorAll("[data-copy-label]").forEach(function (element) {
  if (!navigator.clipboard) {
    return;
  }
  var button = document.createElement("button");
  button.type = "button";
  button.className = "copy";
  button.textContent = element.dataset.copyLabel;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(element.textContent.trim()).then(function () {
      button.textContent = element.dataset.copiedLabel;
    });
  });
  element.after(" ", button);
});
