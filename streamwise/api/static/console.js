// The console's few behaviours: the live decision feed, the chat (a POST answered with
// server-sent events, read with fetch because EventSource cannot POST), charts after htmx
// swaps. The session cookie authenticates every call; no token is ever in this script.
"use strict";

const streamwise = (() => {
  function el(tag, attrs = {}, text = "") {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text) node.textContent = text;
    return node;
  }

  // Read an SSE body from a fetch Response, calling onEvent(name, data) per event.
  async function readEvents(response, onEvent) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let name = "message";
        const data = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) name = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
        }
        if (data.length) onEvent(name, JSON.parse(data.join("\n")));
      }
    }
  }

  async function problemOf(response) {
    try {
      const body = await response.json();
      return typeof body.detail === "string" ? body.detail
        : body.detail.map((d) => d.msg).join("; ");
    } catch (e) {
      return response.statusText;
    }
  }

  function feed(url) {
    const body = document.querySelector("#feed tbody");
    const state = document.getElementById("feed-state");
    const source = new EventSource(url);
    source.onopen = () => { state.textContent = "live"; };
    source.onerror = () => { state.textContent = "reconnecting…"; };
    source.addEventListener("decision", (e) => {
      const d = JSON.parse(e.data);
      const row = el("tr", { "data-event": d.event_id, class: "status-" + d.status });
      const time = d.updated_at ? new Date(d.updated_at).toLocaleTimeString() : "";
      const link = el("a", { href: "/console/traces/" + encodeURIComponent(d.event_id) }, d.subject_id || d.event_id);
      const cells = [time, d.agent, link, d.status, d.decision, d.message];
      for (const c of cells) {
        const td = el("td");
        if (c instanceof Node) td.appendChild(c); else td.textContent = c;
        row.appendChild(td);
      }
      const old = body.querySelector(`tr[data-event="${CSS.escape(d.event_id)}"]`);
      if (old) old.remove();
      body.prepend(row);
    });
  }

  function chat() {
    const problem = document.getElementById("chat-problem");
    const say = (text) => { problem.textContent = text; problem.hidden = !text; };
    const opener = document.getElementById("open-session");
    if (opener) {
      opener.addEventListener("submit", async (e) => {
        e.preventDefault();
        const id = opener.session_id.value.trim();
        const r = await fetch("/v1/chat/sessions", {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify(id ? { session_id: id } : {}),
        });
        if (!r.ok) return say(await problemOf(r));
        const made = await r.json();
        location.href = "/console/chat?session=" + encodeURIComponent(made.session_id);
      });
      return;
    }
    const transcript = document.getElementById("transcript");
    const session = transcript.dataset.session;
    const shown = new Set();
    let streaming = null;
    function add(m) {
      if (shown.has(m.seq)) return;
      shown.add(m.seq);
      if (m.speaker === "agent" && streaming && streaming.dataset.event === m.event_id) {
        streaming.remove();
        streaming = null;
      }
      transcript.appendChild(el("li", { class: m.speaker, "data-seq": m.seq }, m.text));
      transcript.lastChild.scrollIntoView();
    }
    const source = new EventSource(`/v1/chat/sessions/${encodeURIComponent(session)}/events`);
    source.addEventListener("message", (e) => add(JSON.parse(e.data)));
    source.addEventListener("error", () => {});
    const form = document.getElementById("say");
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const text = form.text.value.trim();
      if (!text) return;
      form.text.value = "";
      say("");
      const button = form.querySelector("button");
      button.disabled = true;
      try {
        const r = await fetch(`/v1/chat/sessions/${encodeURIComponent(session)}/messages`, {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ text }),
        });
        if (!r.ok) return say(await problemOf(r));
        await readEvents(r, (name, data) => {
          if (name === "turn") {
            streaming = el("li", { class: "agent streaming", "data-event": data.event_id }, "");
            transcript.appendChild(streaming);
          } else if (name === "progress" && streaming && !streaming.textContent) {
            streaming.classList.add("thinking");
          } else if (name === "token" && streaming) {
            streaming.classList.remove("thinking");
            streaming.textContent += data.text;
          } else if (name === "error") {
            say(data.message + " (trace " + data.trace_id + ")");
          }
        });
      } finally {
        button.disabled = false;
      }
    });
  }

  function charts(root) {
    for (const node of root.querySelectorAll(".chart[data-spec]")) {
      const spec = JSON.parse(node.dataset.spec);
      spec.width = "container";
      vegaEmbed(node, spec, { actions: false, renderer: "svg" })
        .then(() => node.classList.add("rendered"))
        .catch((err) => { node.textContent = "the chart could not be drawn: " + err; });
    }
  }

  document.addEventListener("htmx:afterSwap", (e) => {
    if (window.vegaEmbed) charts(e.detail.target);
  });
  // An htmx request answered with 4xx still shows its message fragment.
  document.addEventListener("htmx:beforeSwap", (e) => {
    if (e.detail.xhr.status >= 400 && e.detail.xhr.status < 500) e.detail.shouldSwap = true;
  });

  return { feed, chat, charts, readEvents };
})();
