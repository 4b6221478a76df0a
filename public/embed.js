/* Dastyar (دستیار) in another web site: loads Chainlit's copilot from the Dastyar server this file came from,
 * Persian and right to left.
 *
 *   <script src="https://dastyar.example.org/public/embed.js"></script>
 *   <script>DastyarWidget.mount({ accessToken: "<token minted by your backend>" });</script>
 *
 * or, in one tag: <script src=".../public/embed.js" data-access-token="..."></script>
 * accessToken "anonymous" opens a visitor session when the server allows it (DASTYAR_WIDGET_ANONYMOUS=1).
 * Any option of Chainlit's mountChainlitWidget may be given; these are the defaults.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.DastyarWidget) return;
  var server = script.src.replace(/\/public\/embed\.js(\?.*)?$/, "");
  var loading = null;

  function addHeadLink(href) {
    if (document.querySelector('link[href="' + href + '"]')) return;
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    document.head.appendChild(link);
  }

  function loadCopilot() {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var tag = document.createElement("script");
        tag.src = server + "/copilot/index.js";
        tag.onload = resolve;
        tag.onerror = function () { reject(new Error("Dastyar: " + tag.src + " did not load")); };
        document.head.appendChild(tag);
      });
    }
    return loading;
  }

  /* The widget renders in a shadow root: direction and language are set on its container (and kept). */
  function rightToLeft() {
    var host = document.getElementById("chainlit-copilot");
    var root = host && host.shadowRoot && host.shadowRoot.getElementById("cl-shadow-root");
    if (!root) return;
    function apply() {
      if (root.getAttribute("dir") !== "rtl") root.setAttribute("dir", "rtl");
      if (root.getAttribute("lang") !== "fa") root.setAttribute("lang", "fa");
    }
    apply();
    new MutationObserver(apply).observe(root, { attributes: true, attributeFilter: ["dir", "lang"] });
  }

  /* Sign in before the widget starts: the copilot otherwise races its own sign-in against its websocket, and a
   * socket that connects first is refused for good. A refused token still mounts (the widget says so). */
  function signIn(token) {
    if (!token) return Promise.resolve();
    return fetch(server + "/auth/jwt", {
      method: "POST",
      credentials: "include",
      headers: { Authorization: "Bearer " + token }
    }).catch(function () { /* the widget shows the failure */ });
  }

  function mount(options) {
    addHeadLink(server + "/public/fonts/vazirmatn.css"); /* fonts declared in a shadow root are ignored */
    return Promise.all([signIn((options || {}).accessToken), loadCopilot()]).then(function () {
      var config = {
        chainlitServer: server,
        customCssUrl: server + "/public/widget.css",
        language: "fa-IR",
        theme: "light",
        button: { className: "dastyar-widget-button" }
      };
      for (var key in options || {}) config[key] = options[key];
      window.mountChainlitWidget(config);
      rightToLeft();
    });
  }

  window.DastyarWidget = {
    mount: mount,
    toggle: function () { if (window.toggleChainlitCopilot) window.toggleChainlitCopilot(); },
    server: server
  };
  var token = script.getAttribute("data-access-token");
  if (token) mount({ accessToken: token });
})();
