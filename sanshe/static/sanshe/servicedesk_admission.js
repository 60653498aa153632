/* Burden charts of community work admission: data from the json_script "burden-data" (no inline JS). */
(function () {
  "use strict";
  function init() {
    var el = document.getElementById("burden-chart");
    var src = document.getElementById("burden-data");
    if (!el || !src || typeof echarts === "undefined") { return; }
    var d = JSON.parse(src.textContent);
    var chart = echarts.init(el);
    var narrow = el.clientWidth < 560;
    var top = narrow ? 96 : 56;  /* the legend wraps to several lines on a phone */
    var option;
    if (el.dataset.kind === "ranking") {
      option = {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0 },
        grid: { left: 8, right: 16, top: top, bottom: 8, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: d.communities },
        series: d.series.map(function (s) { return { name: s.name, type: "bar", stack: "k", data: s.data }; })
      };
    } else {
      var series = d.series.map(function (s) { return { name: s.name, type: "bar", stack: "k", data: s.data }; });
      series.push({ name: d.refused_label, type: "line", data: d.refused });
      series.push({ name: d.certificates_label, type: "line", data: d.certificates });
      option = {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 8, right: 16, top: top, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: d.months },
        yAxis: { type: "value", minInterval: 1 },
        series: series
      };
    }
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
