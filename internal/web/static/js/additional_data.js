// kabinet: «Дополнительные данные». The page works without this file: the
// residence block stays shown (and is ignored when the box is ticked), and
// the locality suggestions are those of the region the page was sent with.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-additional-data]");
    if (!form) { return; }
    sameAddress(form);
    localities(form);
  });

  // «Совпадает с адресом регистрации» hides the residence block.
  function sameAddress(form) {
    var box = form.querySelector("[data-residence-same]");
    var block = box && document.getElementById(box.getAttribute("aria-controls"));
    if (!block) { return; }
    var set = function () {
      block.hidden = box.checked;
      box.setAttribute("aria-expanded", box.checked ? "false" : "true");
    };
    box.addEventListener("change", set);
    set();
  }

  // A region chosen refills its locality's suggestions with its towns.
  function localities(form) {
    var selects = form.querySelectorAll("select[data-localities]");
    Array.prototype.forEach.call(selects, function (select) {
      var list = document.getElementById(select.getAttribute("data-localities"));
      if (!list || !window.fetch) { return; }
      select.addEventListener("change", function () {
        var region = select.value;
        list.textContent = "";
        if (!region) { return; }
        fetch("/api/v1/localities?region=" + encodeURIComponent(region), { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (res) { return res.ok ? res.json() : { localities: [] }; })
          .then(function (body) {
            if (select.value !== region) { return; } // chosen again meanwhile
            (body.localities || []).forEach(function (l) {
              var o = document.createElement("option");
              o.value = l.name;
              list.appendChild(o);
            });
          })
          .catch(function () { /* the field still takes any locality typed */ });
      });
    });
  }
})();
