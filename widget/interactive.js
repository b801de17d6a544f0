// Interactive messages (application/vnd.amazonaws.connect.message.interactive): the templates
// Amazon Connect documents (ListPicker, Panel, QuickReply, TimePicker, Carousel) rendered as
// buttons, and the customer's choice turned into an interactive.response. Other templates fall
// back to their text. Everything from the message is set as text; images are shown only from
// http(s) URLs.
(() => {
  "use strict";

  const INTERACTIVE = "application/vnd.amazonaws.connect.message.interactive";
  const RESPONSE = `${INTERACTIVE}.response`;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function parse(content) {
    try {
      const value = JSON.parse(content);
      return value && typeof value === "object" ? value : null;
    } catch {
      return null;
    }
  }

  function image(url, alt) {
    let parsed = null;
    try { parsed = new URL(url); } catch { return null; }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return null;
    const img = el("img", "interactive__image");
    img.src = parsed.href;
    img.alt = alt || "";
    img.referrerPolicy = "no-referrer";
    return img;
  }

  function slotLabel(slot) {
    const d = new Date(slot.date);
    if (Number.isNaN(d.getTime())) return String(slot.date);
    const when = d.toLocaleString([], { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
    return slot.duration ? `${when} (${slot.duration} min)` : when;
  }

  // The text a template stands for, for templates this page does not draw.
  function fallbackText(message) {
    const content = (message && message.data && message.data.content) || {};
    const parts = [content.title, content.subtitle].filter((p) => typeof p === "string" && p);
    return parts.length ? parts.join("\n") : "This message can't be shown here.";
  }

  function header(box, content) {
    if (content.title) box.append(el("p", "interactive__title", content.title));
    if (content.subtitle) box.append(el("p", "interactive__subtitle", content.subtitle));
    const img = content.imageData && image(content.imageData, content.imageDescription);
    if (img) box.append(img);
  }

  function button(label, detail, onPick) {
    const b = el("button", "interactive__option");
    b.type = "button";
    b.append(el("span", "interactive__option-title", label));
    if (detail) b.append(el("span", "interactive__option-subtitle", detail));
    b.addEventListener("click", () => onPick(b));
    return b;
  }

  function response(templateType, title, content) {
    return JSON.stringify({ templateType, version: "1.0", data: { content: { title, ...content } } });
  }

  // Draws the message `content` (its JSON text) into a new element. `choose(responseJson, label)`
  // sends the customer's answer; the options are disabled once one is picked, and enabled again
  // if the promise it returns fails.
  function render(content, choose) {
    const message = parse(content);
    const type = message && message.templateType;
    const data = (message && message.data && message.data.content) || {};
    const box = el("div", "interactive");
    box.dataset.template = type || "unknown";
    const options = el("div", "interactive__options");
    const pick = (templateType, title, answer, label) => (b) => {
      const buttons = box.querySelectorAll("button");
      buttons.forEach((other) => { other.disabled = true; });
      b.classList.add("interactive__option--chosen");
      b.setAttribute("aria-pressed", "true");
      Promise.resolve(choose(response(templateType, title, answer), label)).catch(() => {
        b.classList.remove("interactive__option--chosen");
        b.removeAttribute("aria-pressed");
        buttons.forEach((other) => { other.disabled = false; });
      });
    };
    const elements = Array.isArray(data.elements) ? data.elements : [];
    switch (type) {
      case "ListPicker":
      case "Panel":
      case "QuickReply": {
        header(box, data);
        for (const element of elements) {
          if (!element || !element.title) continue;
          const b = button(element.title, element.subtitle, pick(type, data.title, { elements: [{ title: element.title }] }, element.title));
          const img = element.imageData && image(element.imageData, element.imageDescription);
          if (img) b.prepend(img);
          options.append(b);
        }
        if (type === "QuickReply") options.classList.add("interactive__options--inline");
        break;
      }
      case "TimePicker": {
        header(box, data);
        for (const slot of Array.isArray(data.timeslots) ? data.timeslots : []) {
          if (!slot || !slot.date) continue;
          const label = slotLabel(slot);
          options.append(button(label, null, pick(type, data.title, { selectedTimeslots: [{ date: slot.date, duration: slot.duration }] }, label)));
        }
        break;
      }
      case "Carousel": {
        header(box, data);
        options.classList.add("interactive__carousel");
        for (const panel of elements) {
          const card = el("div", "interactive__card");
          const inner = (panel && panel.data && panel.data.content) || {};
          header(card, inner);
          for (const element of Array.isArray(inner.elements) ? inner.elements : []) {
            if (!element || !element.title) continue;
            card.append(button(element.title, element.subtitle, pick(type, inner.title, { elements: [{ title: element.title }] }, element.title)));
          }
          options.append(card);
        }
        break;
      }
      default:
        box.append(el("p", "interactive__fallback", fallbackText(message)));
        return box;
    }
    box.append(options);
    return box;
  }

  // What a customer's interactive.response says, for showing it as their message.
  function describeResponse(content) {
    const message = parse(content);
    const data = (message && message.data && message.data.content) || {};
    const element = Array.isArray(data.elements) && data.elements[0];
    if (element && element.title) return String(element.title);
    const slot = Array.isArray(data.selectedTimeslots) && data.selectedTimeslots[0];
    if (slot && slot.date) return slotLabel(slot);
    return data.title ? String(data.title) : "Your choice";
  }

  window.ChatInteractive = { INTERACTIVE, RESPONSE, render, describeResponse };
})();
