// Reference chat page logic: starts a chat through our start-chat function (posted like
// amazon-connect-chat-interface: a JSON string as text/plain), talks to the Participant Service
// with amazon-connect-chatjs, uploads attachments through our start-attachment and
// complete-attachment functions, and resumes the same chat after a reload (sessionStorage).
// It renders markdown (markdown.js), interactive messages (interactive.js), streamed answers,
// image thumbnails, idle and post-chat survey turns.
(() => {
  "use strict";

  const cfg = window.CHAT_WIDGET_CONFIG;
  const STORAGE_KEY = "connect-chat-session";
  const EVENT = "application/vnd.amazonaws.connect.event.";
  const TYPING_SHOWN_MS = 10000;
  const TYPING_SENT_EVERY_MS = 5000;

  const $ = (id) => document.getElementById(id);
  const ui = {
    status: $("status"), endChat: $("end-chat"), startForm: $("start-form"), name: $("display-name"),
    startButton: $("start-chat"), chat: $("chat"), messages: $("messages"), typing: $("typing"),
    typingName: $("typing-name"), composer: $("composer"), message: $("message"), send: $("send"),
    attach: $("attach"), file: $("file"), upload: $("upload"), uploadName: $("upload-name"),
    uploadProgress: $("upload-progress"), error: $("error"),
  };

  let chat = null; // { details: startChatResult, name, attachments, connectionToken }
  let session = null;
  let connectionToken = null;
  let leaving = false; // the customer ended the chat; a post-chat survey may follow
  const thumbnails = new Map(); // attachment id -> object URL of its image
  let typingTimer = null;
  let lastTypingSent = 0;
  const rendered = new Map(); // transcript item Id -> <li>

  connect.ChatSession.setGlobalConfig({
    region: cfg.region,
    ...(cfg.participantEndpoint ? { endpoint: cfg.participantEndpoint } : {}),
  });

  // ---- helpers -------------------------------------------------------------------------
  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  function showError(text) { ui.error.textContent = text; ui.error.hidden = false; }
  function hideError() { ui.error.hidden = true; ui.error.textContent = ""; }
  function setStatus(text) { ui.status.textContent = text; }
  // What went wrong, in words a customer understands (the API's codes and field names stay out).
  function friendlyError(body) {
    const e = (body && body.error) || {};
    const field = e.field || "";
    switch (e.code) {
      case "UnsupportedAttachmentType":
        return "this type of file can't be sent. Try a PDF, an image, an Office document, a text file, audio or video.";
      case "AttachmentTooLarge": {
        const mb = /(\d+(?:\.\d+)?) MB/.exec(e.message || "");
        return mb ? `the file is too large. Files can be up to ${mb[1]} MB.` : "the file is too large.";
      }
      case "AttachmentsDisabled":
        return "sending files is turned off for this chat.";
      case "AccessDenied":
      case "MissingConnectionToken":
        return "this chat has ended. Please start a new one.";
      case "Throttled":
      case "QuotaExceeded":
      case "UpstreamUnavailable":
      case "UpstreamTimeout":
        return "we're very busy right now. Please try again in a moment.";
      case "InvalidField":
        if (field.startsWith("ParticipantDetails")) return "please enter your name using letters, numbers and spaces (up to 256 characters).";
        if (field.startsWith("Attachment")) return "this file's name or size can't be used. Rename the file or pick another one.";
        return "something in the request was not accepted. Please try again.";
      default:
        return "something went wrong on our side. Please try again.";
    }
  }
  async function post(url, init) {
    let res;
    try {
      res = await fetch(url, init);
    } catch (e) {
      throw new Error("we couldn't reach the chat service. Check your connection and try again.");
    }
    const body = await res.json().catch(() => ({}));
    return { res, body };
  }
  function time(iso) {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? "" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  // ---- rendering -----------------------------------------------------------------------
  function insertInOrder(li, item) {
    li.dataset.time = item.AbsoluteTime || "";
    const after = [...ui.messages.children].find((other) => other.dataset.time > li.dataset.time);
    ui.messages.insertBefore(li, after || null);
    ui.messages.scrollTop = ui.messages.scrollHeight;
  }

  function bubble(item) {
    const li = document.createElement("li");
    const mine = item.ParticipantRole === "CUSTOMER";
    li.className = `message ${mine ? "message--mine" : "message--theirs"}`;
    li.dataset.id = item.Id;
    li.dataset.role = item.ParticipantRole || "";
    const body = document.createElement("span");
    body.className = "message__body";
    const meta = document.createElement("span");
    meta.className = "message__meta";
    const automated = item.ParticipantRole === "SYSTEM" && (!item.DisplayName || item.DisplayName === "SYSTEM_MESSAGE");
    const who = mine ? "You" : automated ? "Automated message" : item.DisplayName || "Agent";
    meta.textContent = `${who} · ${time(item.AbsoluteTime)}`;
    li.append(body, meta);
    return li;
  }

  // A short label for a file's kind, shown in its icon.
  const FILE_KINDS = {
    pdf: "PDF", doc: "DOC", docx: "DOC", rtf: "DOC", txt: "TXT", csv: "CSV", xls: "XLS", xlsx: "XLS",
    ppt: "PPT", pptx: "PPT", mp4: "VIDEO", mov: "VIDEO", wav: "AUDIO", png: "IMG", jpg: "IMG",
    jpeg: "IMG", jfif: "IMG", heic: "IMG",
  };
  // Images the browser can draw as a thumbnail.
  const THUMBNAIL = /\.(png|jpe?g|jfif|gif|webp)$/i;
  function fileKind(name) {
    const ext = (/\.([a-z0-9]+)$/i.exec(name || "") || [])[1] || "";
    return FILE_KINDS[ext.toLowerCase()] || "FILE";
  }

  async function loadThumbnail(img, attachmentId) {
    try {
      if (!thumbnails.has(attachmentId)) {
        const blob = await session.downloadAttachment({ attachmentId });
        thumbnails.set(attachmentId, URL.createObjectURL(blob));
      }
      img.src = thumbnails.get(attachmentId);
    } catch (e) {
      img.replaceWith(fileIcon("IMG"));
    }
  }

  function fileIcon(kind) {
    const icon = document.createElement("span");
    icon.className = "file-icon";
    icon.dataset.kind = kind.toLowerCase();
    icon.textContent = kind;
    icon.setAttribute("aria-hidden", "true");
    return icon;
  }

  function attachmentBody(li, item) {
    const a = (item.Attachments || [])[0] || {};
    const body = li.querySelector(".message__body");
    body.replaceChildren();
    body.classList.add("attachment");
    const status = document.createElement("span");
    const label = { APPROVED: "Ready", REJECTED: "Rejected", IN_PROGRESS: "Scanning…" }[a.Status] || a.Status;
    status.className = `attachment__status attachment__status--${String(a.Status).toLowerCase()}`;
    status.textContent = label;
    const approved = a.Status === "APPROVED";
    const name = document.createElement(approved ? "button" : "span");
    if (approved) {
      name.type = "button";
      name.className = "attachment__download";
      name.title = `Download ${a.AttachmentName}`;
      name.addEventListener("click", () => download(a.AttachmentId, a.AttachmentName));
    }
    name.append(document.createTextNode(a.AttachmentName));
    if (approved && THUMBNAIL.test(a.AttachmentName || "")) {
      const img = document.createElement("img");
      img.className = "attachment__thumbnail";
      img.alt = a.AttachmentName;
      name.prepend(img);
      loadThumbnail(img, a.AttachmentId);
    } else {
      body.append(fileIcon(fileKind(a.AttachmentName)));
    }
    body.append(name, status);
    li.dataset.status = a.Status;
  }

  // Fills a message bubble from its content type: markdown, an interactive message, the
  // customer's answer to one, or plain text.
  function fillBody(body, item) {
    const type = item.ContentType || "text/plain";
    if (type === "text/markdown") {
      body.replaceChildren(ChatMarkdown.render(item.Content));
    } else if (type === ChatInteractive.INTERACTIVE) {
      body.replaceChildren(ChatInteractive.render(item.Content, chooseOption));
    } else if (type === ChatInteractive.RESPONSE) {
      body.textContent = ChatInteractive.describeResponse(item.Content);
    } else {
      body.textContent = item.Content;
    }
  }

  function chooseOption(response) {
    hideError();
    return session.sendMessage({ contentType: ChatInteractive.RESPONSE, message: response }).catch((e) => {
      showError("Your choice could not be sent. Please try again.");
      throw e;
    });
  }

  function eventText(item) {
    const kind = (item.ContentType || "").replace(EVENT, "");
    const who = item.DisplayName || "Someone";
    switch (kind) {
      case "participant.joined": return item.ParticipantRole === "CUSTOMER" ? null : `${who} joined the chat`;
      case "participant.left": return `${item.ParticipantRole === "CUSTOMER" ? "You" : who} left the chat`;
      case "chat.ended": return "The chat has ended";
      case "chat.rehydrated": return "Earlier conversation";
      case "transfer.succeeded": return "You were transferred";
      case "participant.idle": return item.ParticipantRole === "CUSTOMER" ? "Are you still there? The chat will close if you stay away." : null;
      case "participant.returned": return item.ParticipantRole === "CUSTOMER" ? "Welcome back" : null;
      case "participant.autodisconnection": return "The chat was closed because you were away";
      default: return null;
    }
  }

  function render(item) {
    if (!item || !item.Id) return;
    const existing = rendered.get(item.Id);
    if (item.Type === "ATTACHMENT") {
      const li = existing || bubble(item);
      attachmentBody(li, item);
      if (!existing) { rendered.set(item.Id, li); insertInOrder(li, item); }
      return;
    }
    // A streamed answer arrives as the same message again and again, each time with more text
    // (chatjs stitches the chunks): one bubble, updated in place.
    const streaming = item.MessageMetadata && typeof item.MessageMetadata.MessageCompleted === "boolean";
    if (existing && item.Type === "MESSAGE" && streaming) {
      fillBody(existing.querySelector(".message__body"), item);
      existing.dataset.streaming = item.MessageMetadata.MessageCompleted ? "done" : "streaming";
      return;
    }
    if (existing) return;
    if (item.Type === "MESSAGE") {
      const li = bubble(item);
      fillBody(li.querySelector(".message__body"), item);
      li.dataset.contentType = item.ContentType || "";
      if (leaving && item.ParticipantRole === "SYSTEM") {
        li.classList.add("message--survey");
        setStatus("One last question before you go");
      }
      if (streaming) li.dataset.streaming = item.MessageMetadata.MessageCompleted ? "done" : "streaming";
      rendered.set(item.Id, li);
      insertInOrder(li, item);
      if (item.ParticipantRole !== "CUSTOMER") {
        hideTyping();
        sendReadReceipt(item.Id);
      }
    } else if (item.Type === "EVENT") {
      const text = eventText(item);
      if (!text) return;
      const li = document.createElement("li");
      li.className = "event";
      li.dataset.id = item.Id;
      li.textContent = text;
      rendered.set(item.Id, li);
      insertInOrder(li, item);
    }
  }

  function markReceipt(data, label) {
    const id = data && data.MessageMetadata && data.MessageMetadata.MessageId;
    const li = id && rendered.get(id);
    if (!li || li.dataset.role !== "CUSTOMER") return;
    if (label === "Delivered" && li.dataset.receipt === "Read") return;
    li.dataset.receipt = label;
    const meta = li.querySelector(".message__meta");
    meta.textContent = meta.textContent.replace(/ · (Read|Delivered)$/, "") + ` · ${label}`;
  }

  function showTyping(name) {
    ui.typingName.textContent = name || "Agent";
    ui.typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, TYPING_SHOWN_MS);
  }
  function hideTyping() { clearTimeout(typingTimer); ui.typing.hidden = true; }

  // ---- chat session --------------------------------------------------------------------
  function showChat() {
    ui.startForm.hidden = true;
    ui.chat.hidden = false;
    ui.composer.hidden = false;
    ui.endChat.hidden = false;
    ui.endChat.textContent = "End chat";
    ui.attach.hidden = !chat.attachments;
    ui.message.focus();
  }

  async function openSession() {
    showChat();
    setStatus("Connecting…");
    session = connect.ChatSession.create({
      chatDetails: chat.details,
      options: { region: cfg.region },
      type: connect.ChatSession.SessionTypes.CUSTOMER,
      disableCSM: true,
    });
    session.onMessage(({ data }) => render(data));
    session.onTyping(({ data }) => { if (data.ParticipantRole !== "CUSTOMER") showTyping(data.DisplayName); });
    session.onReadReceipt(({ data }) => markReceipt(data, "Read"));
    session.onDeliveredReceipt(({ data }) => markReceipt(data, "Delivered"));
    // chatjs hands these events to their own callbacks, not to onMessage.
    session.onParticipantIdle(({ data }) => render(data));
    session.onParticipantReturned(({ data }) => render(data));
    session.onAutoDisconnection(({ data }) => render(data));
    session.onEnded(() => chatEnded());
    // After a lost connection chatjs connects again with the same participant token; whatever
    // was sent meanwhile is only in the transcript. A socket that went silent without closing
    // shows as a missed heartbeat: chatjs moves to a new socket without a "connection
    // established", so the next heartbeat that comes back is when to read the transcript.
    let connectedOnce = false;
    let heartbeatMissed = false;
    const catchUp = () => loadTranscript(session).catch(() => setStatus("Connected (some messages may be missing)"));
    session.onConnectionBroken(() => setStatus("Connection lost, reconnecting…"));
    session.onConnectionEstablished(() => {
      setStatus("Connected");
      if (connectedOnce) catchUp();
    });
    session.onDeepHeartbeatFailure(() => {
      heartbeatMissed = true;
      setStatus("Connection lost, reconnecting…");
    });
    session.onDeepHeartbeatSuccess(() => {
      if (!heartbeatMissed) return;
      heartbeatMissed = false;
      setStatus("Connected");
      catchUp();
    });
    await session.connect();
    connectedOnce = true;
    setStatus("Connected");
    await loadTranscript(session);
  }

  async function loadTranscript(current) {
    const transcript = await current.getTranscript({ maxResults: 100, scanDirection: "BACKWARD", sortOrder: "ASCENDING" });
    if (current === session) (transcript.data.Transcript || []).forEach(render);
  }

  function chatEnded() {
    leaving = false;
    sessionStorage.removeItem(STORAGE_KEY);
    setStatus("Chat ended");
    hideTyping();
    ui.composer.hidden = true;
    ui.endChat.textContent = "New chat";
    connectionToken = null;
  }

  function resetToStart() {
    chat = null;
    session = null;
    connectionToken = null;
    rendered.clear();
    thumbnails.forEach((url) => URL.revokeObjectURL(url));
    thumbnails.clear();
    ui.messages.replaceChildren();
    ui.chat.hidden = true;
    ui.endChat.hidden = true;
    ui.startForm.hidden = false;
    setStatus("We usually answer within a minute.");
  }

  async function startChat(name) {
    // No Content-Type header: the browser sends text/plain, as amazon-connect-chat-interface does.
    // It asks for markdown, interactive messages, streamed answers and, to spare the page its own
    // CreateParticipantConnection call for attachments, the connection credentials.
    const { res, body } = await post(`${cfg.apiBaseUrl}/chat`, {
      method: "POST",
      body: JSON.stringify({
        ParticipantDetails: { DisplayName: name },
        SupportedMessagingContentTypes: ["text/plain", "text/markdown", ChatInteractive.INTERACTIVE, ChatInteractive.RESPONSE],
        ParticipantConfiguration: { ResponseMode: "INCREMENTAL" },
        ConnectionTypes: ["CONNECTION_CREDENTIALS"],
        ClientToken: uuid(),
      }),
    });
    if (!res.ok) throw new Error(friendlyError(body));
    const result = body.data.startChatResult;
    // A backend that does not know ConnectionTypes answers without credentials; the page then
    // opens its connection itself when it first needs one.
    const credentials = result.ConnectionCredentials;
    chat = {
      details: { ContactId: result.ContactId, ParticipantId: result.ParticipantId, ParticipantToken: result.ParticipantToken },
      name,
      attachments: Boolean(body.data.featurePermissions && body.data.featurePermissions.ATTACHMENTS),
      connectionToken: (credentials && credentials.ConnectionToken) || null,
    };
    connectionToken = chat.connectionToken;
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(chat));
    await openSession();
  }

  function sendReadReceipt(messageId) {
    if (!session || document.visibilityState !== "visible") return;
    session.sendEvent({ contentType: `${EVENT}message.read`, content: JSON.stringify({ messageId }) }).catch(() => {});
  }

  async function download(attachmentId, name) {
    try {
      const blob = await session.downloadAttachment({ attachmentId });
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = name;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 30000);
    } catch (e) {
      showError(`Could not download ${name}.`);
    }
  }

  // ---- attachments through our functions -------------------------------------------------
  async function getConnectionToken() {
    if (connectionToken) return connectionToken;
    const endpoint = cfg.participantEndpoint || `https://participant.connect.${cfg.region}.amazonaws.com`;
    const { res, body } = await post(`${endpoint}/participant/connection`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-amz-bearer": chat.details.ParticipantToken },
      body: JSON.stringify({ Type: ["CONNECTION_CREDENTIALS"] }),
    });
    if (!res.ok || !body.ConnectionCredentials) throw new Error("this chat has ended. Please start a new one.");
    connectionToken = body.ConnectionCredentials.ConnectionToken;
    return connectionToken;
  }

  async function api(path, payload, retried = false) {
    const { res, body } = await post(`${cfg.apiBaseUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-amz-bearer": await getConnectionToken() },
      body: JSON.stringify(payload),
    });
    // An expired or revoked connection token: open a new connection once and try again.
    if (res.status === 403 && body.error && body.error.code === "AccessDenied" && !retried) {
      connectionToken = null;
      return api(path, payload, true);
    }
    if (!res.ok) throw new Error(friendlyError(body));
    return body;
  }

  function put(metadata, file) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", metadata.Url);
      for (const [name, value] of Object.entries(metadata.HeadersToInclude || {})) {
        if (name.toLowerCase() !== "content-length") xhr.setRequestHeader(name, value); // the browser sets it
      }
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) progress(5 + (90 * e.loaded) / e.total); };
      xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error("the upload was refused. Please try again.")));
      xhr.onerror = () => reject(new Error("the upload was interrupted. Check your connection and try again."));
      xhr.send(file);
    });
  }

  function progress(percent) { ui.uploadProgress.value = Math.round(percent); }

  async function sendFile(file) {
    hideError();
    ui.uploadName.textContent = file.name;
    progress(0);
    ui.upload.hidden = false;
    try {
      const started = await api("/attachments/start", {
        AttachmentName: file.name,
        AttachmentSizeInBytes: file.size,
        ContentType: file.type || "application/octet-stream",
        ClientToken: uuid(),
      });
      progress(5);
      await put(started.UploadMetadata, file);
      progress(95);
      await api("/attachments/complete", { AttachmentIds: [started.AttachmentId], ClientToken: uuid() });
      progress(100);
    } catch (e) {
      showError(`Could not send ${file.name}: ${e.message}`);
    } finally {
      setTimeout(() => { ui.upload.hidden = true; }, 600);
    }
  }

  // ---- wiring --------------------------------------------------------------------------
  ui.startForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    hideError();
    const name = ui.name.value.trim();
    if (!name) { showError("Please enter your name."); return; }
    ui.startButton.disabled = true;
    try {
      await startChat(name);
    } catch (e) {
      showError(`Could not start the chat: ${e.message}`);
      if (!session) resetToStart();
    } finally {
      ui.startButton.disabled = false;
    }
  });

  ui.composer.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = ui.message.value.trim();
    if (!text || !session) return;
    ui.message.value = "";
    try {
      await session.sendMessage({ contentType: "text/plain", message: text });
    } catch (e) {
      ui.message.value = text;
      showError("Your message could not be sent. Please try again.");
    }
  });

  ui.message.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); ui.composer.requestSubmit(); }
  });
  ui.message.addEventListener("input", () => {
    const now = Date.now();
    if (session && now - lastTypingSent > TYPING_SENT_EVERY_MS) {
      lastTypingSent = now;
      session.sendEvent({ contentType: `${EVENT}typing` }).catch(() => {});
    }
  });

  ui.attach.addEventListener("click", () => ui.file.click());
  ui.file.addEventListener("change", () => {
    const file = ui.file.files[0];
    ui.file.value = "";
    if (file) sendFile(file);
  });

  // Ending the chat: the customer leaves. With a post-chat survey the contact goes on (the agent
  // leaves and the survey asks in this chat) until the flow ends it; "Close" leaves at once.
  ui.endChat.addEventListener("click", async () => {
    if (!chat || ui.composer.hidden) { resetToStart(); return; }
    ui.endChat.disabled = true;
    if (leaving) {
      await session.disconnectParticipant().catch(() => {});
      chatEnded();
      ui.endChat.disabled = false;
      return;
    }
    leaving = true;
    setStatus("Ending the chat…");
    try {
      await session.disconnectParticipant();
      if (!ui.composer.hidden) ui.endChat.textContent = "Close";
    } catch (e) {
      chatEnded();
    } finally {
      ui.endChat.disabled = false;
    }
  });

  // Resume the chat of this tab after a reload.
  const saved = sessionStorage.getItem(STORAGE_KEY);
  if (saved) {
    try {
      chat = JSON.parse(saved);
      connectionToken = chat.connectionToken || null;
      openSession().catch(() => {
        sessionStorage.removeItem(STORAGE_KEY);
        resetToStart();
        showError("Your previous chat has ended. You can start a new one.");
      });
    } catch (e) {
      sessionStorage.removeItem(STORAGE_KEY);
    }
  }
})();
