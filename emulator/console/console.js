// The agent console: a person plays the agent of connect-local's chats. Signing in, status and
// offers use connect-local's /_local routes (routing has no public API a browser could call);
// everything in a chat goes through the Participant Service and its websocket as an AGENT
// participant, with the participant token the accepted offer returned, as a real agent
// application does. Interactive messages are the one exception: the Participant Service takes
// only their responses, so the console sends templates through the admin route a bot would use.
(() => {
  "use strict";

  const $ = (selector, root = document) => root.querySelector(selector);
  const EVENT = "application/vnd.amazonaws.connect.event.";
  const INTERACTIVE = "application/vnd.amazonaws.connect.message.interactive";
  const INTERACTIVE_RESPONSE = `${INTERACTIVE}.response`;
  const POLL_MS = 400;

  let agent = null; // {AgentId, Name}
  const chats = new Map(); // contactId -> chat state
  const shownOffers = new Map(); // contactId -> element
  let selected = null;
  let setup = { Queues: [], Agents: [] };

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  async function local(path, method = "GET", body) {
    const res = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await res.json().catch(() => null);
    if (!res.ok) throw new Error((data && data.message) || `HTTP ${res.status}`);
    return data;
  }

  // One Participant Service call with a bearer token (participant or connection token).
  async function participant(path, token, body) {
    const res = await fetch(`/participant/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-amz-bearer": token },
      body: JSON.stringify(body),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.Message || data.message || `HTTP ${res.status}`);
    return data;
  }

  // ---- sign-in and status -------------------------------------------------------------------

  async function loadConfigured() {
    setup = await local("/_local/setup");
    const box = $("#configured");
    box.replaceChildren();
    for (const a of setup.Agents.filter((a) => a.Kind === "HUMAN")) {
      const b = el("button", "chip", a.Name);
      b.type = "button";
      b.addEventListener("click", () => { $("#agent-input").value = a.Name; });
      box.append(b);
    }
  }

  async function signIn(event) {
    event.preventDefault();
    $("#sign-in-error").textContent = "";
    try {
      agent = await local("/_local/agents", "POST", { Name: $("#agent-input").value });
    } catch (e) {
      $("#sign-in-error").textContent = e.message;
      return;
    }
    $("#agent-name").textContent = agent.Name;
    $("#status").value = agent.Status;
    $("#sign-in").hidden = true;
    $("#agent-bar").hidden = false;
    $("#desk").hidden = false;
    setInterval(poll, POLL_MS);
    poll();
  }

  async function setStatus() {
    await local(`/_local/agents/${agent.AgentId}/status`, "PUT", { Status: $("#status").value });
  }

  // ---- offers -------------------------------------------------------------------------------

  let polls = 0;
  async function poll() {
    let view;
    try { view = await local(`/_local/agents/${agent.AgentId}`); } catch { return; }
    $("#status").value = document.activeElement === $("#status") ? $("#status").value : view.Status;
    const current = new Set(view.Offers.map((o) => o.ContactId));
    for (const [contactId, node] of shownOffers) {
      if (!current.has(contactId)) { node.remove(); shownOffers.delete(contactId); }
    }
    for (const offer of view.Offers) {
      if (!shownOffers.has(offer.ContactId)) shownOffers.set(offer.ContactId, offerCard(offer));
    }
    document.title = `${shownOffers.size ? `(${shownOffers.size}) ` : ""}Agent console · connect-local`;
    polls += 1;
    if (polls % 5 === 1) {
      setup = await local("/_local/setup").catch(() => setup);
      showFloor();
      for (const chat of chats.values()) { fillTransferTargets(chat); refreshPanel(chat); }
    }
  }

  // Every queue's waiting chats and every agent's status, as a supervisor would see them.
  function showFloor() {
    $("#floor-queues").textContent = setup.Queues
      .map((q) => `${q.Queue.Name}: ${q.Waiting.length} waiting`).join(" · ");
    $("#floor-agents").textContent = setup.Agents
      .map((a) => `${a.Name}: ${a.Status}${a.Chats.length ? `, on ${a.Chats.length} chat${a.Chats.length > 1 ? "s" : ""}` : ""}`)
      .join(" · ");
  }

  function offerCard(offer) {
    const card = el("div", "offer");
    card.dataset.contact = offer.ContactId;
    card.append(el("strong", "", `Incoming chat from ${offer.CustomerName || "a customer"} · ${offer.QueueName}`));
    const accept = el("button", "button", "Accept");
    const reject = el("button", "button button--ghost", "Reject");
    accept.type = reject.type = "button";
    accept.addEventListener("click", async () => {
      accept.disabled = reject.disabled = true;
      try {
        const joined = await local(`/_local/agents/${agent.AgentId}/offers/${offer.ContactId}/accept`, "POST", {});
        card.remove();
        shownOffers.delete(offer.ContactId);
        await openChat(offer.ContactId, joined.ParticipantToken, offer.CustomerName);
      } catch (e) {
        card.append(el("span", "error", e.message));
      }
    });
    reject.addEventListener("click", async () => {
      accept.disabled = reject.disabled = true;
      await local(`/_local/agents/${agent.AgentId}/offers/${offer.ContactId}/reject`, "POST", {}).catch(() => {});
      card.remove();
      shownOffers.delete(offer.ContactId);
    });
    card.append(accept, reject);
    $("#offers").append(card);
    accept.focus();
    return card;
  }

  // ---- one chat -----------------------------------------------------------------------------

  async function openChat(contactId, participantToken, customerName) {
    const connection = await participant("connection", participantToken, {
      Type: ["WEBSOCKET", "CONNECTION_CREDENTIALS"],
      ConnectParticipant: true,
    });
    const panel = $("#chat-template").content.firstElementChild.cloneNode(true);
    panel.id = `chat-${contactId}`;
    panel.dataset.contact = contactId;
    const tab = el("button", "tab", customerName || "Customer");
    tab.type = "button";
    tab.setAttribute("role", "tab");
    tab.dataset.contact = contactId;
    tab.setAttribute("aria-controls", panel.id);
    const badge = el("span", "tab__badge");
    badge.hidden = true;
    tab.append(badge);
    $("#tabs").append(tab);
    $("#panels").append(panel);
    $("#no-chats").hidden = true;
    const chat = {
      contactId, panel, tab, badge, customerName: customerName || "Customer",
      token: connection.ConnectionCredentials.ConnectionToken,
      items: new Map(), mine: new Map(), ended: false, typingTimer: null, lastTyping: 0, unread: 0,
    };
    chats.set(contactId, chat);
    tab.addEventListener("click", () => select(contactId));
    wireComposer(chat);
    fillTransferTargets(chat);
    select(contactId);
    const history = await participant("transcript", chat.token, { MaxResults: 100, ScanDirection: "BACKWARD", SortOrder: "ASCENDING" });
    for (const item of history.Transcript || []) show(chat, item);
    connect(chat, connection.Websocket.Url);
    refreshPanel(chat);
  }

  function connect(chat, url) {
    const ws = new WebSocket(url);
    chat.ws = ws;
    ws.addEventListener("open", () => ws.send(JSON.stringify({ topic: "aws/subscribe", content: { topics: ["aws/chat"] } })));
    ws.addEventListener("message", (event) => {
      const frame = JSON.parse(event.data);
      if (frame.topic !== "aws/chat") return;
      show(chat, JSON.parse(frame.content));
    });
  }

  function select(contactId) {
    selected = contactId;
    for (const chat of chats.values()) {
      const on = chat.contactId === contactId;
      chat.panel.hidden = !on;
      chat.tab.setAttribute("aria-selected", String(on));
      if (on) {
        chat.unread = 0;
        chat.badge.hidden = true;
        markRead(chat);
      }
    }
  }

  function markRead(chat) {
    if (chat.ended) return;
    for (const [id, item] of chat.items) {
      if (item.ParticipantRole === "CUSTOMER" && item.Type === "MESSAGE" && !item.read) {
        item.read = true;
        participant("event", chat.token, { ContentType: `${EVENT}message.read`, Content: JSON.stringify({ messageId: id }) }).catch(() => {});
      }
    }
  }

  function interactiveSummary(content, response) {
    try {
      const value = JSON.parse(content);
      const data = (value.data && value.data.content) || {};
      if (response) {
        const chosen = (data.elements && data.elements[0] && data.elements[0].title)
          || (data.selectedTimeslots && data.selectedTimeslots[0] && data.selectedTimeslots[0].date)
          || data.title || "something";
        return `Chose: ${chosen}`;
      }
      return `${value.templateType}: ${data.title || ""}`;
    } catch {
      return content;
    }
  }

  // Renders an item (from the transcript or the websocket) once, then updates receipts.
  function show(chat, item) {
    const list = $(".transcript", chat.panel);
    const type = item.ContentType || "";
    if (item.Type === "MESSAGEMETADATA") {
      const receipt = item.MessageMetadata && item.MessageMetadata.Receipts && item.MessageMetadata.Receipts[0];
      const mine = chat.mine.get(item.MessageMetadata && item.MessageMetadata.MessageId);
      if (mine && receipt) mine.querySelector(".receipt").textContent = receipt.ReadTimestamp ? " · Read" : " · Delivered";
      return;
    }
    if (item.Type === "EVENT") {
      if (type === `${EVENT}typing`) {
        if (item.ParticipantRole === "CUSTOMER") showTyping(chat);
        return;
      }
      if (chat.items.has(item.Id)) return;
      chat.items.set(item.Id, item);
      const what = type.slice(EVENT.length);
      const who = item.DisplayName || "";
      const text = {
        "participant.joined": `${who} joined`,
        "participant.left": `${who} left the chat`,
        "chat.ended": "The chat has ended",
        "transfer.succeeded": "Transferred",
      }[what];
      if (text) list.append(el("li", "item item--event", text));
      const customerLeft = what === "participant.left" && item.ParticipantRole === "CUSTOMER";
      const iLeft = what === "participant.left" && item.ParticipantRole === "AGENT" && item.DisplayName === agent.Name;
      if (what === "chat.ended" || customerLeft || iLeft) end(chat, customerLeft ? `${chat.customerName} left the chat.` : "This chat is closed for you.");
      list.scrollTop = list.scrollHeight;
      return;
    }
    if (item.MessageMetadata && item.MessageMetadata.MessageCompleted === false) return;
    if (chat.items.has(item.Id)) return;
    chat.items.set(item.Id, item);
    const role = item.ParticipantRole;
    const mine = role === "AGENT" && item.DisplayName === agent.Name;
    const li = el("li", `item ${mine ? "item--mine" : role === "SYSTEM" ? "item--system" : ""}`);
    li.dataset.id = item.Id;
    const body = el("div", "item__body");
    if (item.Type === "ATTACHMENT") {
      attachment(chat, body, item.Attachments[0]);
    } else if (type === "text/markdown" && window.ChatMarkdown) {
      body.replaceChildren(window.ChatMarkdown.render(item.Content || ""));
    } else if (type === INTERACTIVE || type === INTERACTIVE_RESPONSE) {
      body.textContent = interactiveSummary(item.Content || "", type === INTERACTIVE_RESPONSE);
    } else {
      body.textContent = item.Content || "";
    }
    const meta = el("span", "item__meta", `${item.DisplayName || role} · ${new Date(item.AbsoluteTime).toLocaleTimeString()}`);
    const receipt = el("span", "receipt");
    meta.append(receipt);
    li.append(body, meta);
    list.append(li);
    list.scrollTop = list.scrollHeight;
    if (mine) chat.mine.set(item.Id, li);
    if (role === "CUSTOMER") {
      hideTyping(chat);
      participant("event", chat.token, { ContentType: `${EVENT}message.delivered`, Content: JSON.stringify({ messageId: item.Id }) }).catch(() => {});
      if (selected === chat.contactId && !document.hidden) markRead(chat);
      else { chat.unread += 1; chat.badge.textContent = String(chat.unread); chat.badge.hidden = false; }
    }
  }

  function showTyping(chat) {
    const line = $(".typing", chat.panel);
    line.textContent = `${chat.customerName} is typing…`;
    line.hidden = false;
    clearTimeout(chat.typingTimer);
    chat.typingTimer = setTimeout(() => hideTyping(chat), 3000);
  }

  function hideTyping(chat) {
    $(".typing", chat.panel).hidden = true;
  }

  async function attachment(chat, body, entry) {
    body.textContent = `File: ${entry.AttachmentName}`;
    if (entry.Status !== "APPROVED") {
      body.textContent += entry.Status === "REJECTED" ? " (rejected by the scan)" : " (scanning…)";
      return;
    }
    try {
      const { Url } = await participant("attachment", chat.token, { AttachmentId: entry.AttachmentId });
      const blob = await (await fetch(Url)).blob();
      const href = URL.createObjectURL(blob);
      body.textContent = "";
      const link = el("a", "", `File: ${entry.AttachmentName}`);
      link.href = href;
      link.download = entry.AttachmentName;
      body.append(link);
      if ((entry.ContentType || "").startsWith("image/")) {
        const img = el("img", "thumb");
        img.src = href;
        img.alt = entry.AttachmentName;
        body.append(img);
      }
    } catch (e) {
      body.textContent += ` (${e.message})`;
    }
  }

  function end(chat, why) {
    if (chat.ended) return;
    chat.ended = true;
    hideTyping(chat);
    $(".transcript", chat.panel).append(el("li", "item item--event", why));
    for (const control of chat.panel.querySelectorAll("textarea, .send, .file, .template, .transfer, .transfer-target, .end, .chip, .as-markdown")) control.disabled = true;
    $(".close", chat.panel).hidden = false;
    chat.tab.classList.add("tab--ended");
    if (chat.ws) chat.ws.close();
  }

  function close(chat) {
    chat.tab.remove();
    chat.panel.remove();
    chats.delete(chat.contactId);
    const next = chats.keys().next();
    if (!next.done) select(next.value);
    else $("#no-chats").hidden = false;
  }

  function fillTransferTargets(chat) {
    const target = $(".transfer-target", chat.panel);
    const keep = target.value;
    target.replaceChildren();
    for (const q of setup.Queues) {
      const option = el("option", "", `Queue: ${q.Queue.Name}`);
      option.value = `queue:${q.Queue.Id}`;
      target.append(option);
    }
    for (const a of setup.Agents.filter((a) => a.Kind === "HUMAN" && a.AgentId !== agent.AgentId)) {
      const option = el("option", "", `Agent: ${a.Name} (${a.Status})`);
      option.value = `agent:${a.AgentId}`;
      target.append(option);
    }
    if (keep) target.value = keep;
  }

  async function refreshPanel(chat) {
    if (chat.ended) return;
    let contact;
    try { contact = await local(`/_local/contacts/${chat.contactId}`); } catch { return; }
    const list = (selector, entries) => {
      const dl = $(selector, chat.panel);
      dl.replaceChildren();
      for (const [k, v] of entries) dl.append(el("dt", "", k), el("dd", "", typeof v === "string" ? v : JSON.stringify(v)));
    };
    list(".panel__contact", [["Contact id", contact.ContactId], ["Customer", chat.customerName], ["Customer id", contact.CustomerId || "—"], ["Started", contact.StartedAt]]);
    list(".panel__attributes", Object.entries(contact.Attributes || {}));
    list(".panel__segments", Object.entries(contact.SegmentAttributes || {}));
    const path = $(".panel__path", chat.panel);
    path.replaceChildren();
    for (const step of (contact.Flow && contact.Flow.Path) || []) {
      path.append(el("li", "", `${step.ContactFlowName} › ${step.Identifier} (${step.ActionType}) → ${step.Branch}`));
    }
  }

  function wireComposer(chat) {
    const form = $(".composer", chat.panel);
    const text = $("textarea", form);
    text.setAttribute("aria-label", `Reply to ${chat.customerName}`);
    const send = async () => {
      const content = text.value.trim();
      if (!content || chat.ended) return;
      text.value = "";
      const markdown = $(".as-markdown", form).checked;
      await participant("message", chat.token, {
        ContentType: markdown ? "text/markdown" : "text/plain",
        Content: content,
        ClientToken: crypto.randomUUID(),
      }).catch((e) => $(".transcript", chat.panel).append(el("li", "item item--event", `Not sent: ${e.message}`)));
    };
    form.addEventListener("submit", (event) => { event.preventDefault(); send(); });
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); send(); }
    });
    text.addEventListener("input", () => {
      const now = Date.now();
      if (now - chat.lastTyping < 2000 || chat.ended) return;
      chat.lastTyping = now;
      participant("event", chat.token, { ContentType: `${EVENT}typing`, ClientToken: crypto.randomUUID() }).catch(() => {});
    });
    for (const chip of chat.panel.querySelectorAll(".chip")) {
      chip.addEventListener("click", () => { text.value = chip.dataset.reply; text.focus(); });
    }
    $(".file", form).addEventListener("change", async (event) => {
      const file = event.target.files[0];
      event.target.value = "";
      if (file) await upload(chat, file);
    });
    $(".template", form).addEventListener("change", async (event) => {
      const templateType = event.target.value;
      event.target.value = "";
      if (!templateType) return;
      await local(`/_local/contacts/${chat.contactId}/agent/interactive`, "POST", { TemplateType: templateType })
        .catch((e) => $(".transcript", chat.panel).append(el("li", "item item--event", `Not sent: ${e.message}`)));
    });
    $(".transfer", chat.panel).addEventListener("click", async () => {
      const [kind, id] = $(".transfer-target", chat.panel).value.split(/:(.*)/s);
      const body = kind === "queue" ? { QueueId: id } : { AgentId: id };
      try {
        await local(`/_local/agents/${agent.AgentId}/contacts/${chat.contactId}/transfer`, "POST", body);
      } catch (e) {
        $(".transcript", chat.panel).append(el("li", "item item--event", `Transfer failed: ${e.message}`));
      }
    });
    $(".end", chat.panel).addEventListener("click", async () => {
      await participant("disconnect", chat.token, { ClientToken: crypto.randomUUID() }).catch(() => {});
      end(chat, "You ended the chat.");
    });
    $(".close", chat.panel).addEventListener("click", () => close(chat));
  }

  async function upload(chat, file) {
    const line = el("li", "item item--event", `Uploading ${file.name}…`);
    $(".transcript", chat.panel).append(line);
    try {
      const started = await participant("start-attachment-upload", chat.token, {
        ContentType: file.type || "application/octet-stream",
        AttachmentSizeInBytes: file.size,
        AttachmentName: file.name,
        ClientToken: crypto.randomUUID(),
      });
      const headers = { ...started.UploadMetadata.HeadersToInclude };
      delete headers["Content-Length"];
      delete headers["content-length"];
      const put = await fetch(started.UploadMetadata.Url, { method: "PUT", headers, body: file });
      if (!put.ok) throw new Error(`upload failed (${put.status})`);
      await participant("complete-attachment-upload", chat.token, { AttachmentIds: [started.AttachmentId], ClientToken: crypto.randomUUID() });
      line.remove();
    } catch (e) {
      line.textContent = `${file.name} was not sent: ${e.message}`;
    }
  }

  document.addEventListener("visibilitychange", () => {
    const chat = chats.get(selected);
    if (chat && !document.hidden) markRead(chat);
  });
  $("#sign-in").addEventListener("submit", signIn);
  $("#status").addEventListener("change", setStatus);
  loadConfigured().catch(() => {});
})();
