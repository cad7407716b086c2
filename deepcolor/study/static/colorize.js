// Upload -> /api/colorize -> gray and colorized side by side, a download link, optional variants.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.assign(node, attrs || {});
    for (const child of children || []) node.append(child);
    return node;
  }
  function figure(src, caption, alt) {
    return el("figure", { className: "slot" }, [el("img", { src: src, alt: alt }), el("figcaption", { textContent: caption })]);
  }
  $("upload").onsubmit = async (event) => {
    event.preventDefault();
    const files = $("files").files;
    if (!files.length) { $("status").textContent = "choose one or more photos first"; return; }
    const form = new FormData();
    for (const file of files) form.append("files", file);
    form.append("samples", $("samples").value);
    $("go").disabled = true; $("status").textContent = "colorizing " + files.length + " photo(s)…";
    document.body.dataset.state = "working";
    try {
      const response = await fetch("/api/colorize", { method: "POST", body: form });
      const body = await response.json();
      if (!response.ok) throw new Error(body.detail ? JSON.stringify(body.detail) : "server answered " + response.status);
      const results = $("results");
      for (const r of body.results) {
        const card = el("section", { className: "card result" }, [el("h3", { textContent: r.name })]);
        if (r.error) {
          card.append(el("p", { className: "error", textContent: r.error }));
        } else {
          card.dataset.width = r.width; card.dataset.height = r.height;
          card.append(el("div", { className: "pair" }, [figure(r.gray, "gray input", "gray " + r.name),
                                                        figure(r.color, "colorized", "colorized " + r.name)]));
          card.append(el("a", { className: "download", href: r.download, textContent: "download the full-resolution result (" + r.width + "×" + r.height + ")" }));
          if (r.samples.length) card.append(el("div", { className: "samples" }, r.samples.map((s, k) => el("img", { src: s, alt: "variant " + (k + 1) }))));
        }
        results.prepend(card);
      }
      $("status").textContent = body.results.length + " photo(s) done";
      document.body.dataset.state = "done";
    } catch (e) {
      $("status").textContent = "error: " + e.message;
      document.body.dataset.state = "error";
    }
    $("go").disabled = false;
  };
})();
