// Safe markdown for chat messages (text/markdown, as agents and bots send it): paragraphs, line
// breaks, bulleted and numbered lists, fenced code, **bold**, *italic* / _italic_, `code` and
// [links](https://…). It builds DOM nodes and sets only text: no HTML from a message is ever
// parsed, and links other than http, https and mailto are shown as plain text.
(() => {
  "use strict";

  // Underscores inside words (snake_case, window.__x) are not emphasis, as in CommonMark.
  const INLINE = /\*\*([^*\n]+)\*\*|`([^`\n]+)`|\[([^\]\n]+)\]\(([^)\s]+)\)|\*([^*\n]+)\*|(?<![\p{L}\p{N}_])_([^_\n]+)_(?![\p{L}\p{N}_])/gu;
  const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

  function el(tag, className) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    return node;
  }

  function link(parent, label, href) {
    let url = null;
    try { url = new URL(href); } catch { /* not an absolute URL */ }
    if (!url || !SAFE_PROTOCOLS.has(url.protocol)) {
      parent.append(label);
      return;
    }
    const a = el("a");
    a.href = url.href;
    a.target = "_blank";
    a.rel = "noopener noreferrer nofollow";
    inline(a, label);
    parent.append(a);
  }

  function inline(parent, text) {
    let last = 0;
    for (const m of text.matchAll(INLINE)) {
      if (m.index > last) parent.append(text.slice(last, m.index));
      if (m[1] !== undefined) {
        const strong = el("strong");
        inline(strong, m[1]);
        parent.append(strong);
      } else if (m[2] !== undefined) {
        const code = el("code");
        code.textContent = m[2];
        parent.append(code);
      } else if (m[3] !== undefined) {
        link(parent, m[3], m[4]);
      } else {
        const em = el("em");
        inline(em, m[5] ?? m[6]);
        parent.append(em);
      }
      last = m.index + m[0].length;
    }
    if (last < text.length) parent.append(text.slice(last));
  }

  function lines(parent, textLines) {
    textLines.forEach((line, i) => {
      if (i > 0) parent.append(el("br"));
      inline(parent, line);
    });
  }

  // Renders `text` into a new <div class="markdown">.
  function render(text) {
    const root = el("div", "markdown");
    const all = String(text).replace(/\r\n?/g, "\n").split("\n");
    let i = 0;
    while (i < all.length) {
      const line = all[i];
      if (/^```/.test(line)) {
        const code = [];
        i += 1;
        while (i < all.length && !/^```/.test(all[i])) { code.push(all[i]); i += 1; }
        i += 1;
        const pre = el("pre");
        const c = el("code");
        c.textContent = code.join("\n");
        pre.append(c);
        root.append(pre);
      } else if (/^\s*[-*]\s+/.test(line) || /^\s*\d+[.)]\s+/.test(line)) {
        const ordered = /^\s*\d/.test(line);
        const list = el(ordered ? "ol" : "ul");
        const item = ordered ? /^\s*\d+[.)]\s+(.*)$/ : /^\s*[-*]\s+(.*)$/;
        while (i < all.length && item.test(all[i])) {
          const li = el("li");
          inline(li, all[i].match(item)[1]);
          list.append(li);
          i += 1;
        }
        root.append(list);
      } else if (line.trim() === "") {
        i += 1;
      } else {
        const paragraph = [];
        while (i < all.length && all[i].trim() !== "" && !/^```/.test(all[i]) && !/^\s*([-*]|\d+[.)])\s+/.test(all[i])) {
          paragraph.push(all[i].replace(/^#{1,6}\s+/, ""));
          i += 1;
        }
        const p = el("p");
        lines(p, paragraph);
        root.append(p);
      }
    }
    return root;
  }

  window.ChatMarkdown = { render };
})();
