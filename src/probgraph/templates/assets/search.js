// Search over names: filters the index the site ships (assets/index.js); no network, works from file://.
(function () {
  var box = document.getElementById("q"), list = document.getElementById("results");
  var index = window.PROBGRAPH_INDEX || [];
  function show() {
    var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
    list.textContent = "";
    if (!words.length) return;
    index.filter(function (e) {
      var text = (e[0] + " " + e[3].join(" ")).toLowerCase();
      return words.every(function (w) { return text.indexOf(w) >= 0; });
    }).slice(0, 50).forEach(function (e) {
      var li = document.createElement("li"), a = document.createElement("a");
      a.href = e[2]; a.textContent = e[0]; li.appendChild(a);
      li.appendChild(document.createTextNode(" · " + e[1])); list.appendChild(li);
    });
  }
  box.addEventListener("input", show);
  show();
})();
