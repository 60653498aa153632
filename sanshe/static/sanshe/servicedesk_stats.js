/* The service cloud's figures: ECharts from the JSON in #stats-chart-data; the period picker shows the custom
   dates only for "custom"; the territory picker submits on change. No inline script (CSP). */
(function () {
  "use strict";
  var RED = "#c8102e", BLUE = "#1456b8", GREEN = "#1a7f37", GREY = "#9aa0a6";

  function labels() {
    var zh = (document.documentElement.lang || "zh-hans").indexOf("zh") === 0;
    return zh ? {accepted: "受理", finished: "办结", onTime: "按期办结率", satisfaction: "满意率"}
              : {accepted: "Accepted", finished: "Finished", onTime: "On-time rate", satisfaction: "Satisfaction"};
  }

  function pctAxis() {
    return {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}, splitLine: {show: false}};
  }

  function narrow() { return window.matchMedia("(max-width: 720px)").matches; }

  function options(kind, d, t) {
    var grid = {left: 8, right: 8, top: 36, bottom: 8, containLabel: true};
    var legend = {top: 0};
    if (kind === "trend") {
      return {grid: grid, legend: legend, tooltip: {trigger: "axis"},
        xAxis: {type: "category", data: d.labels}, yAxis: [{type: "value", minInterval: 1}, pctAxis()],
        series: [{name: t.accepted, type: "bar", data: d.accepted, itemStyle: {color: GREY}},
                 {name: t.finished, type: "bar", data: d.finished, itemStyle: {color: BLUE}},
                 {name: t.onTime, type: "line", yAxisIndex: 1, data: d.on_time_rate, itemStyle: {color: GREEN},
                  connectNulls: true},
                 {name: t.satisfaction, type: "line", yAxisIndex: 1, data: d.satisfaction_rate,
                  itemStyle: {color: RED}, connectNulls: true}]};
    }
    if (kind === "categories") {
      return {tooltip: {trigger: "item", formatter: "{b}: {c} ({d}%)"},
        legend: {bottom: 0, type: "scroll"},
        series: [{type: "pie", radius: narrow() ? ["30%", "58%"] : ["35%", "65%"], center: ["50%", "45%"],
                  label: {show: !narrow(), formatter: "{b}\n{c}"},
                  data: d.labels.map(function (name, i) { return {name: name, value: d.accepted[i]}; })}]};
    }
    // stations, departments: horizontal bars, counts and the on-time rate
    return {grid: grid, legend: legend, tooltip: {trigger: "axis"},
      yAxis: {type: "category", data: d.labels.slice().reverse(),
              axisLabel: {width: narrow() ? 90 : 140, overflow: "truncate"}},
      xAxis: [{type: "value", minInterval: 1}, pctAxis()],
      series: [{name: t.accepted, type: "bar", data: d.accepted.slice().reverse(), itemStyle: {color: GREY}},
               {name: t.finished, type: "bar", data: d.finished.slice().reverse(), itemStyle: {color: BLUE}},
               {name: t.onTime, type: "bar", xAxisIndex: 1, data: d.on_time_rate.slice().reverse(),
                itemStyle: {color: GREEN}}]};
  }

  function charts() {
    var source = document.getElementById("stats-chart-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent), t = labels(), made = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var kind = el.getAttribute("data-chart"), d = data[kind];
      if (!d) { return; }
      if (kind === "stations" || kind === "departments") {
        el.style.height = Math.max(220, 3 * 14 * d.labels.length + 90) + "px";
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
      document.querySelectorAll(".stats-custom").forEach(function (el) { el.hidden = select.value !== "custom"; });
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
