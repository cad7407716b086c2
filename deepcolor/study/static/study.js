// The participant's page: intro -> practice (with feedback) -> break -> test pairs -> done.
// Each pair is shown for the study's exposure, then hidden; the answer is posted once, in order.
(function () {
  "use strict";
  const KEY = "deepcolor-study-token";
  const $ = (id) => document.getElementById(id);
  let token = localStorage.getItem(KEY), trial = null, shownAt = 0, answering = false;

  function show(section, state) {
    for (const id of ["intro", "trial", "break", "done", "problem"]) $(id).classList.toggle("hidden", id !== section);
    document.body.dataset.state = state || section;
  }
  function problem(text) { $("problem-text").textContent = text; show("problem"); }
  async function call(url, options) {
    const response = await fetch(url, options);
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.detail || ("server answered " + response.status));
    return body;
  }
  function load(img, src) {
    return new Promise((resolve, reject) => { img.onload = resolve; img.onerror = () => reject(new Error("image failed to load")); img.src = src; });
  }
  function setButtons(enabled) { $("choose-left").disabled = $("choose-right").disabled = !enabled; }

  async function next() {
    trial = await call("/api/trial/" + encodeURIComponent(token));
    if (trial.done) { $("progress").textContent = ""; show("done"); return; }
    const practice = trial.phase === "practice";
    const number = practice ? trial.index + 1 : trial.index - trial.practice + 1;
    const count = practice ? trial.practice : trial.total - trial.practice;
    $("progress").textContent = (practice ? "Practice " : "Pair ") + number + " of " + count;
    $("feedback").textContent = ""; $("feedback").className = "feedback";
    $("question").textContent = "";
    setButtons(false);
    const left = $("left"), right = $("right");
    left.style.visibility = right.style.visibility = "hidden";
    show("trial", "loading");
    await Promise.all([load(left, trial.left), load(right, trial.right)]);
    left.style.visibility = right.style.visibility = "visible";
    shownAt = performance.now();
    document.body.dataset.state = "showing";
    setTimeout(() => {
      left.style.visibility = right.style.visibility = "hidden";
      $("question").textContent = "Which one was fake?";
      setButtons(true);
      document.body.dataset.state = "answer";
    }, trial.exposure_ms);
  }

  async function answer(choice) {
    if (answering || document.body.dataset.state !== "answer") return;
    answering = true; setButtons(false);
    const form = new FormData();
    form.append("token", token); form.append("index", trial.index); form.append("choice", choice);
    form.append("rt_ms", Math.round(performance.now() - shownAt));
    try {
      const result = await call("/api/answer", { method: "POST", body: form });
      if (result.feedback !== null && result.feedback !== undefined) {
        $("feedback").textContent = result.feedback ? "Right: that one was fake." : "Wrong: that one was the real photo.";
        $("feedback").className = "feedback " + (result.feedback ? "right" : "wrong");
        document.body.dataset.state = "feedback";
        await new Promise((r) => setTimeout(r, 1200));
        if (trial.index + 1 === trial.practice && !result.done) { answering = false; show("break"); return; }
      }
      await next();
    } catch (e) { problem(e.message); }
    answering = false;
  }

  async function start() {
    try {
      const session = await call("/api/session", { method: "POST" });
      token = session.token; localStorage.setItem(KEY, token);
      await next();
    } catch (e) { problem(e.message); }
  }

  $("start").onclick = start;
  $("continue").onclick = () => next().catch((e) => problem(e.message));
  $("choose-left").onclick = () => answer("left");
  $("choose-right").onclick = () => answer("right");
  document.addEventListener("keydown", (e) => {
    if (e.key === "ArrowLeft") answer("left");
    if (e.key === "ArrowRight") answer("right");
  });

  (async function init() {
    if (token) {  // a returning participant continues (or is told they are done); never a second session
      try { await next(); return; } catch (e) { localStorage.removeItem(KEY); token = null; }
    }
    const settings = await fetch("/api/settings").then((r) => r.json()).catch(() => ({}));
    if (settings.exposure_ms) $("exposure").textContent = (settings.exposure_ms / 1000).toString();
    if (settings.practice !== undefined) $("practice-count").textContent = settings.practice;
    show("intro");
  })();
})();
