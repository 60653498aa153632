/* The grid governance dashboard: ECharts from the JSON in #stats-chart-data; the period picker shows the custom
   dates only for "custom"; the child picker submits on change. No inline script (CSP). */
(function () {
  "use strict";
  var RED = "#c8102e", BLUE = "#1456b8", GREEN = "#1a7f37", GREY = "#9aa0a6";

  function labels() {
    var lang = document.documentElement.lang || "zh-hans";
    var zh = lang.indexOf("zh") === 0;
    return zh ? {reported: "上报", filed: "立案", closed: "结案", closure: "结案率", dispatched: "派遣",
                 onTime: "按期处置率", satisfaction: "满意率"}
              : {reported: "Reported", filed: "Filed", closed: "Closed", closure: "Closure rate",
                 dispatched: "Dispatched", onTime: "Handled on time", satisfaction: "Satisfaction"};
  }

  function pctAxis() {
    return {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}, splitLine: {show: false}};
  }

  function options(kind, d, t) {
    var grid = {left: 48, right: 48, top: 36, bottom: 40, containLabel: true};
    var legend = {top: 0};
    if (kind === "trend") {
      return {grid: grid, legend: legend, tooltip: {trigger: "axis"},
        xAxis: {type: "category", data: d.labels}, yAxis: [{type: "value"}, pctAxis()],
        series: [{name: t.reported, type: "bar", data: d.reported, itemStyle: {color: GREY}},
                 {name: t.closed, type: "bar", data: d.closed, itemStyle: {color: BLUE}},
                 {name: t.closure, type: "line", yAxisIndex: 1, data: d.closure_rate, itemStyle: {color: RED},
                  connectNulls: true}]};
    }
    if (kind === "categories") {
      return {grid: grid, legend: legend, tooltip: {trigger: "axis"},
        xAxis: {type: "category", data: d.labels, axisLabel: {interval: 0, rotate: d.labels.length > 6 ? 30 : 0}},
        yAxis: {type: "value"},
        series: [{name: t.reported, type: "bar", data: d.reported, itemStyle: {color: GREY}},
                 {name: t.closed, type: "bar", data: d.closed, itemStyle: {color: BLUE}}]};
    }
    if (kind === "units") {
      return {grid: grid, legend: legend, tooltip: {trigger: "axis"},
        yAxis: {type: "category", data: d.labels.slice().reverse(), axisLabel: {width: 110, overflow: "truncate"}},
        xAxis: [{type: "value"}, pctAxis()],
        series: [{name: t.dispatched, type: "bar", data: d.dispatched.slice().reverse(), itemStyle: {color: GREY}},
                 {name: t.onTime, type: "bar", xAxisIndex: 1, data: d.on_time.slice().reverse(), itemStyle: {color: GREEN}},
                 {name: t.satisfaction, type: "bar", xAxisIndex: 1, data: d.satisfaction.slice().reverse(), itemStyle: {color: RED}}]};
    }
    return {grid: grid, legend: legend, tooltip: {trigger: "axis"},
      yAxis: {type: "category", data: d.labels.slice().reverse(), axisLabel: {width: 110, overflow: "truncate"}},
      xAxis: [{type: "value"}, pctAxis()],
      series: [{name: t.reported, type: "bar", data: d.reported.slice().reverse(), itemStyle: {color: GREY}},
               {name: t.closure, type: "bar", xAxisIndex: 1, data: d.closure_rate.slice().reverse(), itemStyle: {color: RED}}]};
  }

  function charts() {
    var source = document.getElementById("stats-chart-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent), t = labels(), made = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var kind = el.getAttribute("data-chart"), d = data[kind];
      if (!d) { return; }
      if (kind === "units" || kind === "children") {
        el.style.height = Math.max(220, 28 * d.labels.length + 80) + "px";
      }
      var chart = window.echarts.init(el, null, {renderer: "canvas"});
      chart.setOption(options(kind, d, t));
      el.setAttribute("data-drawn", "1");
      made.push(chart);
    });
    window.addEventListener("resize", function () { made.forEach(function (c) { c.resize(); }); });
  }

  function periodPicker() {
    var select = document.querySelector("[data-period]");
    if (!select) { return; }
    var toggle = function () {
      document.querySelectorAll(".stats-custom").forEach(function (el) {
        el.hidden = select.value !== "custom";
      });
    };
    select.addEventListener("change", toggle);
    toggle();
  }

  function autosubmit() {
    document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { periodPicker(); autosubmit(); charts(); });
})();
