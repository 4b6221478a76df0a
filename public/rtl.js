/* Dastyar: keep the page right-to-left and Persian.
 * Chainlit never sets <html dir> and leaves lang="en"; React may also touch
 * these attributes, so a MutationObserver puts them back. */
(function () {
  "use strict";
  var DIR = "rtl";
  var LANG = "fa";
  var root = document.documentElement;
  if (!root) return;

  function apply() {
    try {
      if (root.getAttribute("dir") !== DIR) root.setAttribute("dir", DIR);
      if (root.getAttribute("lang") !== LANG) root.setAttribute("lang", LANG);
    } catch (e) {
      /* never break the app */
    }
  }

  apply();

  if (typeof MutationObserver === "function") {
    try {
      new MutationObserver(apply).observe(root, {
        attributes: true,
        attributeFilter: ["dir", "lang"]
      });
    } catch (e) {
      /* ignore */
    }
  }
})();
