// kabinet: «Выбрать регион». The page works without this file: the form
// searches, the towns come back as buttons. With it, the towns are offered
// as one types, and «Определить автоматически» asks the browser where it
// is and offers the nearest town.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    suggest();
    locate();
  });

  function suggest() {
    var input = document.querySelector("[data-region-q]");
    var results = document.getElementById("region-results");
    if (!input || !results || !window.fetch) { return; }
    var back = input.form.querySelector("input[name=back]").value;
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (q.length < 2) { return; }
        fetch("/api/v1/localities?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (res) { return res.ok ? res.json() : { localities: [] }; })
          .then(function (body) {
            if (input.value.trim() !== q) { return; } // typed on meanwhile
            // Without a page load the server's list is not redrawn: a
            // plain search shows the same towns, as buttons.
            var list = document.createElement("ul");
            list.className = "choices";
            (body.localities || []).forEach(function (l) {
              list.appendChild(choice(l.region, l.name, l.area, back));
            });
            results.textContent = "";
            results.appendChild(list);
          })
          .catch(function () { /* the form still searches */ });
      }, 200);
    });
  }

  function choice(region, name, area, back) {
    var li = document.createElement("li");
    var form = document.createElement("form");
    form.method = "post";
    form.action = "/region";
    [["region", region], ["locality", name], ["back", back]].forEach(function (kv) {
      var h = document.createElement("input");
      h.type = "hidden";
      h.name = kv[0];
      h.value = kv[1];
      form.appendChild(h);
    });
    var b = document.createElement("button");
    b.type = "submit";
    b.className = "choice";
    b.setAttribute("data-choose-region", region);
    var n = document.createElement("span");
    n.className = "choice__name";
    n.textContent = name;
    var hint = document.createElement("span");
    hint.className = "choice__hint";
    hint.textContent = (area ? area + ", " : "") + region;
    b.appendChild(n);
    b.appendChild(document.createTextNode(" "));
    b.appendChild(hint);
    form.appendChild(b);
    li.appendChild(form);
    return li;
  }

  // «Определить автоматически»: the browser's location, sent as the form's
  // coordinates; the page answers with the nearest town to confirm.
  function locate() {
    var form = document.querySelector("[data-region-locate-form]");
    if (!form || !navigator.geolocation) { return; }
    form.hidden = false;
    var button = form.querySelector("[data-region-locate]");
    var status = form.querySelector("[data-region-locate-status]");
    button.addEventListener("click", function () {
      status.textContent = button.getAttribute("data-busy");
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.querySelector("input[name=lat]").value = pos.coords.latitude.toFixed(4);
        form.querySelector("input[name=lon]").value = pos.coords.longitude.toFixed(4);
        form.submit();
      }, function () {
        status.textContent = button.getAttribute("data-denied");
      }, { timeout: 10000, maximumAge: 600000 });
    });
  }
})();
