// The query page: loads an example into the editor, POSTs it to /sparql, shows the answer. No network beyond this server.
(function () {
  var examples = JSON.parse(document.getElementById("examples").textContent);
  var pick = document.getElementById("example"), text = document.getElementById("text");
  var accept = document.getElementById("accept"), status = document.getElementById("status");
  var table = document.getElementById("table"), raw = document.getElementById("raw");
  pick.addEventListener("change", function () {
    var e = examples.filter(function (x) { return x.name === pick.value; })[0];
    document.getElementById("about").textContent = e ? e.description + (e.params.length ?
      " Parameters are bound with a VALUES block, or use /query/" + e.name + "?" + e.params.map(function (p) { return p.name + "=…"; }).join("&") : "") : "";
    if (e) text.value = e.text;
  });
  document.getElementById("run").addEventListener("submit", function () {
    status.textContent = "running…"; table.textContent = ""; raw.textContent = "";
    fetch("sparql", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": accept.value },
                      body: new URLSearchParams({ query: text.value }) })
      .then(function (r) { return r.text().then(function (body) { return { r: r, body: body }; }); })
      .then(function (x) {
        status.textContent = "HTTP " + x.r.status + " · " + (x.r.headers.get("Content-Type") || "");
        if (x.r.ok && accept.value === "application/sparql-results+json") { draw(JSON.parse(x.body)); } else { raw.textContent = x.body; }
      })
      .catch(function (err) { status.textContent = "failed: " + err; });
  });
  function draw(json) {
    if (!json.head.vars) { raw.textContent = String(json.boolean); return; }
    var t = document.createElement("table"), head = t.createTHead().insertRow();
    json.head.vars.forEach(function (v) { var th = document.createElement("th"); th.textContent = v; head.appendChild(th); });
    var body = t.createTBody();
    json.results.bindings.forEach(function (b) {
      var row = body.insertRow();
      json.head.vars.forEach(function (v) { row.insertCell().textContent = b[v] ? b[v].value : ""; });
    });
    table.appendChild(t);
    status.textContent += " · " + json.results.bindings.length + " rows";
  }
})();
