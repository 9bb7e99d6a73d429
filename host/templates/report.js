// Sorting and filtering the findings table of the HTML report. Optional: the
// page reads the same without it (the filters stay hidden). Row keys are
// small integers the report writes (row number, line number, the rank of the
// amount), so no amount of money is ever parsed here.
"use strict";
(function () {
  var table = document.getElementById("findings-table");
  if (!table) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var form = document.getElementById("filters");
  var shown = document.getElementById("shown");

  function filter() {
    var wanted = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.value) wanted[el.name] = el.value;
    });
    var names = Object.keys(wanted);
    var count = 0;
    rows.forEach(function (row) {
      var match = names.every(function (name) { return row.dataset[name] === wanted[name]; });
      row.hidden = !match;
      if (match) count += 1;
    });
    shown.textContent = count + " of " + rows.length + " findings in the table shown";
  }

  function key(cell) {
    var k = cell.dataset.key;
    if (k === undefined) return cell.textContent.trim();
    return k === "" ? -1 : parseInt(k, 10);
  }

  function sortBy(th, column) {
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(th.parentNode.cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var numeric = th.dataset.sort === "number";
    var sorted = rows.slice().sort(function (a, b) {
      var x = key(a.cells[column]);
      var y = key(b.cells[column]);
      var order = numeric ? x - y : String(x).localeCompare(String(y));
      return ascending ? order : -order;
    });
    sorted.forEach(function (row) { body.appendChild(row); });
  }

  if (form) {
    form.hidden = false;
    form.addEventListener("change", filter);
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    filter();
  }
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
    if (!th.dataset.sort) return;
    var button = document.createElement("button");
    button.type = "button";
    while (th.firstChild) button.appendChild(th.firstChild);
    th.appendChild(button);
    button.addEventListener("click", function () { sortBy(th, column); });
  });
})();
