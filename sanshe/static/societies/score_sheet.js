// The evaluation score sheet: add up the four dimensions and show the level the cut-offs give (display only;
// the server computes the level it saves).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("evaluation-form");
  if (!form) return;
  const cuts = (form.dataset.cuts || "").split(",").map(Number);
  const levels = ["5A", "4A", "3A", "2A", "1A"];
  const inputs = form.querySelectorAll("input[data-score]");
  const update = () => {
    let total = 0;
    inputs.forEach((i) => { total += Number(i.value) || 0; });
    document.getElementById("score-total").textContent = String(Math.round(total * 10) / 10);
    const idx = cuts.findIndex((c) => total >= c);
    document.getElementById("score-level").textContent = idx >= 0 ? levels[idx] : "—";
  };
  inputs.forEach((i) => i.addEventListener("input", update));
  update();
});
