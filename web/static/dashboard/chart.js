// Step charts of a value over time, drawn as SVG. Exposes window.StepChart.
(function () {
  "use strict";

  var NS = "http://www.w3.org/2000/svg";
  var WIDTH = 240;
  var HEIGHT = 64;
  var KEEP = 240; // points per series

  function element(name, attributes) {
    var node = document.createElementNS(NS, name);
    Object.keys(attributes).forEach(function (key) {
      node.setAttribute(key, attributes[key]);
    });
    return node;
  }

  function StepChart(svg) {
    this.svg = svg;
    this.points = [];
    svg.setAttribute("viewBox", "0 0 " + WIDTH + " " + HEIGHT);
    svg.setAttribute("preserveAspectRatio", "none");
  }

  StepChart.prototype.add = function (time, value) {
    if (value === null || value === undefined || isNaN(value)) return;
    this.points.push({ t: time, v: value });
    if (this.points.length > KEEP) this.points.shift();
  };

  // Redraws up to `now`: the last value holds until the next one arrives.
  StepChart.prototype.draw = function (now) {
    var svg = this.svg;
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var points = this.points;
    if (!points.length) return;
    var start = points[0].t;
    var span = Math.max(now - start, 1000);
    var low = Math.min.apply(null, points.map(function (p) { return p.v; }));
    var high = Math.max.apply(null, points.map(function (p) { return p.v; }));
    if (high === low) { high += 1; low -= low > 0 ? 1 : 0; }
    function x(t) { return ((t - start) / span) * WIDTH; }
    function y(v) { return HEIGHT - 4 - ((v - low) / (high - low)) * (HEIGHT - 8); }
    var path = "M" + x(points[0].t) + "," + y(points[0].v);
    for (var i = 1; i < points.length; i++) {
      path += " H" + x(points[i].t) + " V" + y(points[i].v);
    }
    path += " H" + WIDTH;
    svg.appendChild(element("path", { d: path, class: "line", fill: "none" }));
    var last = points[points.length - 1];
    svg.appendChild(element("circle", { cx: WIDTH - 2, cy: y(last.v), r: 2.5, class: "dot" }));
  };

  window.StepChart = StepChart;
})();
