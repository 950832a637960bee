// kabinet: the catalog's search box. The page works without this file (the
// form searches); with it, services are suggested as one types — links
// under the box, their number said to screen readers.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var input = document.querySelector("[data-catalog-q]");
    var list = document.querySelector("[data-catalog-suggestions]");
    var status = document.querySelector("[data-catalog-status]");
    if (!input || !list || !window.fetch) { return; }
    var lang = document.documentElement.lang === "en" ? "en" : "ru";
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value;
        if (q.trim().length < 2) { list.hidden = true; list.textContent = ""; return; }
        var params = new URLSearchParams({ q: q, typing: "true", limit: "6" });
        var form = input.form;
        var category = form.querySelector("input[name=category]");
        if (category) { params.set("category", category.value); }
        fetch("/api/v1/services?" + params.toString(), { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (res) { return res.ok ? res.json() : { services: [], total: 0 }; })
          .then(function (body) {
            if (input.value !== q) { return; }
            list.textContent = "";
            (body.services || []).forEach(function (s) {
              var li = document.createElement("li");
              var a = document.createElement("a");
              a.href = "/services/" + encodeURIComponent(s.id);
              a.textContent = (s.title && (s.title[lang] || s.title.ru)) || s.id;
              li.appendChild(a);
              list.appendChild(li);
            });
            list.hidden = list.children.length === 0;
            status.textContent = (status.getAttribute("data-found") || "").replace("{n}", String(list.children.length));
          })
          .catch(function () { list.hidden = true; });
      }, 150);
    });
  });
})();
