/*! concierge widget: one tag gives any page a shopping chat.
 *
 *   <script src="https://shop.example/widget.js" defer
 *           data-page="product" data-product-id="sku-1"></script>
 *
 * It talks to the concierge server over the WebSocket protocol in INTERFACE.md
 * ("WebSocket chat: GET /v1/chat"). Plain modern JavaScript with no build step and no
 * dependencies, so a merchant can read what runs on their page.
 *
 * Design choices, and why:
 * - Light DOM, not a shadow root: every class starts with `concierge-` and every rule is scoped
 *   under `#concierge-root`, whose id outranks a shop's element and class selectors, so shop CSS
 *   does not leak in while tests and merchants can still reach the elements (`data-testid`
 *   hooks) and theme them (`--concierge-accent`, ...).
 * - Everything the server sends is text: it enters the page through text nodes only, and URLs
 *   are used only when they resolve to http: or https:.
 * - The socket opens when the shopper first opens the chat (not on every page view), and the
 *   conversation shown survives page navigation within the tab (sessionStorage).
 * - At page load one small call (POST /v1/experiments) learns the shopper's arms in the shop's
 *   experiments and records the exposure. A shopper held out from the assistant never sees the
 *   widget: the shop's page stays as it is (the `concierge:experiments` event tells the page).
 *   If the call fails, the widget shows as usual.
 */
(() => {
  'use strict';

  const script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (!script || window.concierge) return; // not found, or loaded twice

  const KEY_SHOPPER = 'concierge.shopper';
  const KEY_SESSION = 'concierge.session';
  const KEY_LOG = 'concierge.transcript';
  const KEY_OPEN = 'concierge.open';
  const LOG_LIMIT = 40;
  const BACKOFF_MS = [1000, 2000, 5000, 10000, 20000, 30000];
  const NOTICES = new Map([
    ['rate_limited', 'Slow down a little'],
    ['too_large', 'That message is too long'],
    ['internal', 'Something went wrong on our side. Please try again.'],
  ]);

  const data = script.dataset;
  const locale = navigator.language || 'en';
  const config = {
    server: chatUrl(data.server, script.src),
    title: data.title || 'Gift finder',
    // The shop's colour (`data-accent`, the [shop] section's on the demo pages), when valid CSS.
    accent: data.accent && window.CSS && window.CSS.supports('color', data.accent) ? data.accent : null,
    page: data.page || null,
    productId: data.productId || null,
    country: data.country || null,
    customer:
      data.customerId && data.customerSignature
        ? { id: data.customerId, signature: data.customerSignature }
        : null,
  };

  const state = {
    ws: null, // the socket, while one is open or opening
    ready: false, // welcome received on the current socket
    attempt: 0, // reconnects since the last welcome
    timer: null,
    outbox: [], // frames typed while offline, sent after the next welcome
    draft: null, // the bubble that reply_delta frames fill
    typing: null,
    restored: false, // the log shows a transcript from an earlier page
    transcript: [],
    noticeTimer: null,
    heldOut: false, // in an experiment's holdout: the widget stays closed
    experiments: {}, // experiment key -> arm, from the page-load call
  };

  /** The socket address: `data-server` if given (ws(s) or http(s), a bare host gets /v1/chat),
   * otherwise /v1/chat on the host the script came from. Null if neither makes a usable URL. */
  function chatUrl(override, src) {
    let url;
    try {
      url = new URL(override || '/v1/chat', src || location.href);
    } catch {
      return null;
    }
    if (override && url.pathname === '/') url.pathname = '/v1/chat';
    const scheme = { 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' }[url.protocol];
    if (!scheme) return null;
    url.protocol = scheme;
    url.hash = '';
    return url.href;
  }

  // Storage can be off (privacy modes, blocked cookies): the chat then works but forgets.
  function load(area, key) {
    try {
      return window[area].getItem(key);
    } catch {
      return null;
    }
  }
  function save(area, key, value) {
    try {
      if (value == null) window[area].removeItem(key);
      else window[area].setItem(key, value);
    } catch {
      /* quota or storage off: nothing to do */
    }
  }

  /** Only strings from the server become text; anything else becomes nothing. */
  const str = (v) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
  const strings = (v) => (Array.isArray(v) ? v.map(str).filter(Boolean) : []);

  /** A URL the page may follow or load, http(s) only, else null. A relative URL (the demo
   * catalog's `/p/ID`) is resolved against the server the script came from, not the shop's page,
   * so links work whatever address the server runs on and wherever the widget is embedded. */
  function safeUrl(v) {
    if (typeof v !== 'string' || !v.trim()) return null;
    try {
      const url = new URL(v.trim(), script.src || location.href);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch {
      return null;
    }
  }

  /** A price in the product's own currency, in the shopper's locale. */
  function price(amount, currency) {
    const n = Number(amount);
    if (amount === null || amount === '' || !Number.isFinite(n)) return '';
    try {
      // A decimal string formats exactly where the browser supports it.
      const value = typeof amount === 'string' ? amount : n;
      return new Intl.NumberFormat(locale, { style: 'currency', currency: str(currency) }).format(value);
    } catch {
      return `${n.toFixed(2)} ${str(currency)}`.trim();
    }
  }

  /** An element with a `concierge-` class; children are nodes or strings (text nodes). */
  function el(tag, cls, attrs, children) {
    const node = document.createElement(tag);
    node.className = cls;
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const child of children || []) node.append(child);
    return node;
  }

  function chatIcon() {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('class', 'concierge-icon');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z');
    svg.append(path);
    return svg;
  }

  /** Screens where the panel covers the whole window (phones, and any short window such as a
   * phone in landscape or a keyboard leaving little room): there it is modal. Kept in step with
   * the `@media` rule in CSS below. */
  const FULL_SCREEN = '(max-width: 480px), (max-height: 480px)';
  const fullScreen = window.matchMedia ? window.matchMedia(FULL_SCREEN) : { matches: false };

  /** The initials of a title ("Wooden Train Set" -> "WT"), for the placeholder of a card whose
   * image is missing or does not load. */
  function initials(title) {
    const words = str(title).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    return words.slice(0, 2).map((w) => w[0].toUpperCase()).join('') || '?';
  }

  /** A calm colour picked by a stable hash of the product's top category (else its title), so
   * placeholders of one department look alike and the list is not a wall of grey. */
  function placeholderColour(key) {
    let hash = 0;
    for (const ch of key) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
    return `hsl(${hash % 360} 32% 42%)`;
  }

  function imagePlaceholder(p) {
    const category = strings(p.category);
    const box = el('span', 'concierge-card-img concierge-card-placeholder', {
      'aria-hidden': 'true', 'data-testid': 'concierge-product-placeholder',
    }, [initials(p.title)]);
    box.style.background = placeholderColour(category[0] || str(p.title));
    return box;
  }

  const ui = buildUi();

  function buildUi() {
    const bubble = el('button', 'concierge-bubble', {
      type: 'button',
      'aria-label': `Open ${config.title} chat`,
      'aria-expanded': 'false',
      'aria-controls': 'concierge-panel',
      'data-testid': 'concierge-bubble',
    }, [chatIcon()]);
    const close = el('button', 'concierge-close', { type: 'button', 'aria-label': 'Close chat' }, ['\u00d7']);
    const status = el('span', 'concierge-status', {}, ['']);
    const header = el('div', 'concierge-header', {}, [
      el('div', 'concierge-heading', {}, [el('h2', 'concierge-title', {}, [config.title]), status]),
      close,
    ]);
    const log = el('div', 'concierge-log', {
      role: 'log', 'aria-live': 'polite', 'aria-label': 'Conversation', tabindex: '0',
    });
    const notice = el('p', 'concierge-notice', { role: 'status' });
    const input = el('input', 'concierge-input', {
      id: 'concierge-input', type: 'text', autocomplete: 'off', maxlength: '2000',
      placeholder: 'Ask about a gift…', 'data-testid': 'concierge-input',
    });
    const send = el('button', 'concierge-send', { type: 'submit', 'data-testid': 'concierge-send' }, ['Send']);
    const form = el('form', 'concierge-form', {}, [
      el('label', 'concierge-visually-hidden', { for: 'concierge-input' }, ['Your message']),
      input,
      send,
    ]);
    const panel = el('div', 'concierge-panel', {
      id: 'concierge-panel', role: 'dialog', 'aria-label': config.title, hidden: '',
    }, [header, log, notice, form]);
    const root = el('div', 'concierge-root', { id: 'concierge-root' }, [panel, bubble]);
    if (config.accent) root.style.setProperty('--concierge-accent', config.accent);

    bubble.addEventListener('click', () => (panel.hidden ? openPanel(true) : closePanel()));
    close.addEventListener('click', closePanel);
    root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !panel.hidden) {
        e.stopPropagation();
        closePanel();
      } else if (e.key === 'Tab' && isModal()) {
        trapTab(e);
      }
    });
    // A click or script that moves focus out of the modal panel brings it back to the input.
    document.addEventListener('focusin', (e) => {
      if (isModal() && !panel.contains(e.target)) input.focus();
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = '';
      say(text, null);
    });
    return { root, bubble, panel, log, notice, input, status };
  }

  function isModal() {
    return !ui.panel.hidden && fullScreen.matches;
  }

  /** Tab and Shift+Tab cycle through the panel's controls while it covers the screen. */
  function trapTab(e) {
    const focusable = [...ui.panel.querySelectorAll('button, [href], input, [tabindex]:not([tabindex="-1"])')]
      .filter((node) => !node.disabled && node.getClientRects().length > 0);
    if (!focusable.length) return;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    const active = document.activeElement;
    if (e.shiftKey && (active === first || !ui.panel.contains(active))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (active === last || !ui.panel.contains(active))) {
      e.preventDefault();
      first.focus();
    }
  }

  /** On a full screen the panel is a modal dialog and the launcher hides (it would sit on top
   * of the Send button); on a large screen it is a popover beside the page. */
  function applyLayout() {
    const modal = fullScreen.matches;
    if (modal) ui.panel.setAttribute('aria-modal', 'true');
    else ui.panel.removeAttribute('aria-modal');
    fitToViewport();
  }

  /** Sizes the full-screen panel to the visual viewport, which is what an on-screen keyboard
   * leaves, so the input and Send stay visible above the keyboard. */
  function fitToViewport() {
    const view = window.visualViewport;
    if (!view || !fullScreen.matches) {
      ui.root.style.removeProperty('--concierge-vh');
      ui.root.style.removeProperty('--concierge-vt');
      return;
    }
    ui.root.style.setProperty('--concierge-vh', `${Math.round(view.height)}px`);
    ui.root.style.setProperty('--concierge-vt', `${Math.round(view.offsetTop)}px`);
  }

  function openPanel(focus) {
    if (state.heldOut) return;
    ui.panel.hidden = false;
    ui.root.classList.add('concierge-open');
    applyLayout();
    ui.bubble.setAttribute('aria-expanded', 'true');
    save('sessionStorage', KEY_OPEN, '1');
    if (focus) ui.input.focus();
    scrollToEnd();
    connect();
  }

  /** Closes the panel and gives focus back to the bubble, so keyboard users are not lost. */
  function closePanel() {
    ui.panel.hidden = true;
    ui.root.classList.remove('concierge-open');
    ui.panel.removeAttribute('aria-modal');
    ui.bubble.setAttribute('aria-expanded', 'false');
    save('sessionStorage', KEY_OPEN, null);
    ui.bubble.focus();
  }

  function scrollToEnd() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function appendToLog(node) {
    if (state.typing) ui.log.insertBefore(node, state.typing);
    else ui.log.append(node);
    scrollToEnd();
  }

  function message(role, text) {
    const node = el('div', `concierge-msg concierge-msg-${role}`, {
      'data-testid': 'concierge-message', 'data-role': role,
    });
    if (text) node.append(el('p', 'concierge-text', {}, [text]));
    return node;
  }

  function showTyping(on) {
    if (on && !state.typing) {
      state.typing = el('div', 'concierge-typing', { 'aria-hidden': 'true' }, [
        el('span', 'concierge-dot'), el('span', 'concierge-dot'), el('span', 'concierge-dot'),
      ]);
      ui.log.append(state.typing);
      scrollToEnd();
    } else if (!on && state.typing) {
      state.typing.remove();
      state.typing = null;
    }
  }

  /** Streams draft text into one bubble; the next `reply` replaces it. Hidden from screen
   * readers so they announce the final reply once instead of every fragment. */
  function addDraft(text) {
    showTyping(false);
    if (!state.draft) {
      state.draft = el('div', 'concierge-msg concierge-msg-bot concierge-draft', {
        'data-testid': 'concierge-draft', 'aria-hidden': 'true',
      }, [el('p', 'concierge-text')]);
      appendToLog(state.draft);
    }
    state.draft.firstChild.append(text);
    scrollToEnd();
  }

  function clearDraft() {
    if (state.draft) state.draft.remove();
    state.draft = null;
  }

  // Only the latest reply's quick replies make sense; older ones would answer a stale question.
  function clearQuickReplies() {
    for (const group of ui.log.querySelectorAll('.concierge-quick')) group.remove();
  }

  function productCard(p) {
    const href = safeUrl(p.url);
    const image = safeUrl(p.image);
    const parts = [];
    if (image) {
      const img = el('img', 'concierge-card-img', { src: image, alt: '', decoding: 'async' });
      img.addEventListener('error', () => img.replaceWith(imagePlaceholder(p)));
      parts.push(img);
    } else {
      parts.push(imagePlaceholder(p));
    }
    parts.push(el('span', 'concierge-card-title', { 'data-testid': 'concierge-product-title' }, [str(p.title)]));
    parts.push(el('span', 'concierge-card-price', { 'data-testid': 'concierge-product-price' }, [
      price(p.price, p.currency),
    ]));
    const head = href
      ? el('a', 'concierge-card-link', { href }, parts)
      : el('div', 'concierge-card-link', {}, parts);
    // A card click feeds the assistant's funnel (product_clicked); following its link is a view.
    head.addEventListener('click', () => {
      sendEvent('product_clicked', str(p.id));
      if (href) sendEvent('product_viewed', str(p.id));
    });
    const card = el('li', 'concierge-card', { 'data-testid': 'concierge-product', 'data-product-id': str(p.id) }, [head]);
    const why = strings(p.why);
    if (why.length) {
      card.append(el('ul', 'concierge-why', { 'aria-label': 'Why we suggest it' }, why.map((line) =>
        el('li', 'concierge-why-line', { 'data-testid': 'concierge-why' }, [line]))));
    }
    return card;
  }

  function quickReply(label) {
    const button = el('button', 'concierge-quick-reply', { type: 'button', 'data-testid': 'concierge-quick-reply' }, [label]);
    button.addEventListener('click', () => say(label, label));
    return button;
  }

  /** Renders a reply (live or restored): text, product cards, then quick replies. */
  function renderReply(reply) {
    showTyping(false);
    clearDraft();
    clearQuickReplies();
    const node = message('bot', str(reply.text));
    if (reply.handover) node.classList.add('concierge-handover');
    const products = Array.isArray(reply.products) ? reply.products.filter((p) => p && typeof p === 'object') : [];
    if (products.length) {
      node.append(el('ul', 'concierge-products', { 'aria-label': 'Suggested products' }, products.map(productCard)));
    }
    const replies = strings(reply.quick_replies);
    if (replies.length) {
      node.append(el('div', 'concierge-quick', { role: 'group', 'aria-label': 'Suggested answers' }, replies.map(quickReply)));
    }
    appendToLog(node);
    return node;
  }

  /** Keeps what a reply showed (no more), so the next page of the shop can show it again. */
  function record(entry) {
    state.transcript = state.transcript.concat([entry]).slice(-LOG_LIMIT);
    save('sessionStorage', KEY_LOG, JSON.stringify(state.transcript));
  }

  function replyEntry(frame, handover) {
    const products = (Array.isArray(frame.products) ? frame.products : []).map((p) => ({
      id: p && p.id, title: p && p.title, price: p && p.price, currency: p && p.currency,
      url: p && p.url, image: p && p.image, why: p && p.why,
    }));
    return { role: 'bot', text: frame.text, products, quick_replies: frame.quick_replies, handover };
  }

  function restoreTranscript() {
    let entries;
    try {
      entries = JSON.parse(load('sessionStorage', KEY_LOG) || '[]');
    } catch {
      entries = [];
    }
    if (!Array.isArray(entries)) return;
    for (const entry of entries) {
      if (!entry || typeof entry !== 'object') continue;
      const node = entry.role === 'user' ? message('user', str(entry.text)) : renderReply(entry);
      node.setAttribute('data-restored', '');
      if (entry.role === 'user') appendToLog(node);
      state.transcript.push(entry);
    }
    state.restored = state.transcript.length > 0;
  }

  function say(text, choice) {
    clearQuickReplies();
    appendToLog(message('user', text));
    record({ role: 'user', text });
    const frame = { type: 'say', text };
    if (choice) frame.choice = choice;
    send(frame);
    showTyping(true);
    ui.input.focus();
  }

  function sendEvent(kind, productId) {
    if (productId) send({ type: 'event', event: { kind, product_id: productId } });
  }

  function send(frame) {
    if (state.ready && state.ws && state.ws.readyState === WebSocket.OPEN) {
      state.ws.send(JSON.stringify(frame));
    } else {
      state.outbox.push(frame);
      connect();
    }
  }

  function hello() {
    return {
      type: 'hello',
      shopper: load('localStorage', KEY_SHOPPER),
      session: load('localStorage', KEY_SESSION),
      customer: config.customer,
      context: {
        page: config.page,
        product_id: config.productId,
        referrer: document.referrer || null,
        device: window.innerWidth < 640 ? 'mobile' : window.innerWidth < 1024 ? 'tablet' : 'desktop',
        locale,
        country: config.country,
      },
    };
  }

  function setStatus(text) {
    ui.status.textContent = text;
  }

  function showNotice(text) {
    ui.notice.textContent = text;
    clearTimeout(state.noticeTimer);
    state.noticeTimer = setTimeout(() => (ui.notice.textContent = ''), 6000);
  }

  function connect() {
    if (state.ws || state.timer || !config.server) {
      if (!config.server) setStatus('Chat unavailable');
      return;
    }
    setStatus('Connecting…');
    let ws;
    try {
      ws = new WebSocket(config.server);
    } catch {
      scheduleReconnect();
      return;
    }
    state.ws = ws;
    ws.addEventListener('open', () => ws.send(JSON.stringify(hello())));
    ws.addEventListener('message', (e) => onFrame(e.data));
    ws.addEventListener('close', () => {
      if (state.ws !== ws) return;
      state.ws = null;
      state.ready = false;
      showTyping(false);
      clearDraft();
      scheduleReconnect();
    });
  }

  /** Waits 1 s, 2 s, 5 s, ... up to 30 s between attempts, plus up to a quarter more at random
   * so that shoppers do not all come back at the same instant after a server restart. */
  function scheduleReconnect() {
    const base = BACKOFF_MS[Math.min(state.attempt, BACKOFF_MS.length - 1)];
    state.attempt += 1;
    setStatus('Reconnecting…');
    state.timer = setTimeout(() => {
      state.timer = null;
      connect();
    }, base + Math.random() * base * 0.25);
  }

  function onFrame(raw) {
    let frame;
    try {
      frame = JSON.parse(raw);
    } catch {
      return;
    }
    if (!frame || typeof frame !== 'object') return;
    switch (frame.type) {
      case 'welcome':
        return onWelcome(frame);
      case 'reply':
        renderReply(frame);
        return record(replyEntry(frame, false));
      case 'reply_delta':
        return addDraft(str(frame.text));
      case 'handover': {
        const entry = { role: 'bot', text: str(frame.message), handover: true };
        renderReply(entry);
        record(entry);
        return window.dispatchEvent(new CustomEvent('concierge:handover', {
          detail: { reason: str(frame.reason), message: str(frame.message) },
        }));
      }
      case 'error':
        return onError(frame);
      default:
        return undefined; // newer servers may send more; ignore what we do not know
    }
  }

  function onWelcome(frame) {
    const previous = load('localStorage', KEY_SESSION);
    if (typeof frame.shopper === 'string') save('localStorage', KEY_SHOPPER, frame.shopper);
    if (typeof frame.session === 'string') save('localStorage', KEY_SESSION, frame.session);
    // A transcript from an earlier page belongs to a conversation the server no longer has.
    if (state.restored && frame.session !== previous) {
      for (const node of ui.log.querySelectorAll('[data-restored]')) node.remove();
      state.transcript = [];
      save('sessionStorage', KEY_LOG, null);
    }
    state.restored = false;
    state.ready = true;
    state.attempt = 0;
    setStatus('Online');
    const queued = state.outbox.splice(0);
    for (const f of queued) state.ws.send(JSON.stringify(f));
  }

  function onError(frame) {
    showTyping(false);
    if (frame.code === 'hello_required' && state.ws && state.ws.readyState === WebSocket.OPEN) {
      state.ws.send(JSON.stringify(hello()));
      return;
    }
    const text = NOTICES.get(str(frame.code));
    if (text) showNotice(text);
    // Other codes (bad_message, unknown_type) mean a widget/server mismatch, not a shopper's doing.
    else if (window.console) console.warn('concierge:', str(frame.code), str(frame.message));
  }

  const CSS = `
#concierge-root{position:fixed;right:20px;bottom:20px;z-index:2147483000;color:#1f2522;
 font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
 --ca:var(--concierge-accent,#2f5d50);--cat:var(--concierge-accent-text,#fff);
 --cbg:var(--concierge-background,#fff);--cbot:var(--concierge-bot-bubble,#f0f2f1);--cmute:#5b6661}
#concierge-root *,#concierge-root *::before,#concierge-root *::after{box-sizing:border-box}
#concierge-root :where(div,p,h2,span,ul,li,a,img,form,label,input,button){margin:0;padding:0;border:0;
 font:inherit;color:inherit;background:none;letter-spacing:normal;text-transform:none;text-align:left;
 list-style:none;box-shadow:none;float:none;width:auto;height:auto;min-width:0;max-width:none}
#concierge-root .concierge-bubble{display:grid;place-items:center;width:58px;height:58px;margin-left:auto;
 border-radius:50%;background:var(--ca);color:var(--cat);cursor:pointer;box-shadow:0 6px 18px rgba(0,0,0,.25)}
#concierge-root .concierge-icon{width:28px;height:28px;fill:currentColor}
#concierge-root :focus-visible{outline:3px solid var(--ca);outline-offset:2px}
#concierge-root .concierge-bubble:focus-visible{outline-color:#1f2522}
#concierge-root .concierge-panel{position:absolute;right:0;bottom:72px;display:flex;flex-direction:column;
 width:min(380px,calc(100vw - 40px));height:min(620px,calc(100vh - 112px));background:var(--cbg);
 border-radius:16px;box-shadow:0 12px 40px rgba(0,0,0,.22);overflow:hidden}
#concierge-root .concierge-panel[hidden]{display:none}
#concierge-root .concierge-header{display:flex;align-items:center;gap:8px;padding:14px 16px;background:var(--ca);color:var(--cat)}
#concierge-root .concierge-heading{flex:1;display:flex;flex-direction:column}
#concierge-root .concierge-title{font-size:16px;font-weight:650}
#concierge-root .concierge-status{font-size:12px;opacity:.85}
#concierge-root .concierge-close{width:36px;height:36px;border-radius:50%;font-size:24px;line-height:1;text-align:center;cursor:pointer}
#concierge-root .concierge-close:hover{background:rgba(255,255,255,.15)}
#concierge-root .concierge-close:focus-visible{outline-color:var(--cat)}
#concierge-root .concierge-log{flex:1;overflow-y:auto;padding:16px;display:flex;flex-direction:column;gap:10px}
#concierge-root .concierge-msg{max-width:88%;padding:9px 13px;border-radius:14px;overflow-wrap:anywhere}
#concierge-root .concierge-msg-bot{align-self:flex-start;background:var(--cbot);border-bottom-left-radius:4px}
#concierge-root .concierge-msg-user{align-self:flex-end;background:var(--ca);color:var(--cat);border-bottom-right-radius:4px}
#concierge-root .concierge-msg:has(.concierge-products){max-width:100%;width:100%}
#concierge-root .concierge-handover{border-left:4px solid var(--ca)}
#concierge-root .concierge-draft{opacity:.75}
#concierge-root .concierge-text{white-space:pre-wrap}
#concierge-root .concierge-products{display:flex;flex-direction:column;gap:8px;margin-top:10px}
#concierge-root .concierge-card{background:var(--cbg);border:1px solid #dfe3e1;border-radius:12px;padding:10px}
#concierge-root .concierge-card-link{display:grid;grid-template-columns:56px minmax(0,1fr);grid-template-rows:auto auto;
 column-gap:10px;text-decoration:none;color:inherit;border-radius:8px}
#concierge-root a.concierge-card-link:hover .concierge-card-title{text-decoration:underline}
#concierge-root .concierge-card-img{grid-row:1/3;width:56px;height:56px;border-radius:8px;object-fit:cover;background:#e4e9e6}
#concierge-root .concierge-card-placeholder{display:grid;place-items:center;color:#fff;font-weight:650;font-size:18px;letter-spacing:.5px}
#concierge-root .concierge-card-title{font-weight:600;line-height:1.3;overflow-wrap:anywhere}
#concierge-root .concierge-card-price{color:var(--ca);font-weight:650;overflow-wrap:anywhere}
#concierge-root .concierge-why{margin-top:8px;display:flex;flex-direction:column;gap:2px;font-size:13px;color:var(--cmute)}
#concierge-root .concierge-why-line{padding-left:16px;position:relative}
#concierge-root .concierge-why-line::before{content:"\\2713";position:absolute;left:0;color:var(--ca)}
#concierge-root .concierge-quick{display:flex;flex-wrap:wrap;gap:6px;margin-top:10px}
#concierge-root .concierge-quick-reply{max-width:100%;overflow-wrap:anywhere;padding:6px 12px;border:1.5px solid var(--ca);border-radius:999px;
 background:var(--cbg);color:var(--ca);font-size:14px;cursor:pointer}
#concierge-root .concierge-quick-reply:hover{background:var(--ca);color:var(--cat)}
#concierge-root .concierge-typing{align-self:flex-start;display:flex;gap:4px;padding:12px 14px;background:var(--cbot);border-radius:14px}
#concierge-root .concierge-dot{width:7px;height:7px;border-radius:50%;background:var(--cmute);opacity:.5}
#concierge-root .concierge-notice{padding:0 16px;font-size:13px;color:#9a3412;min-height:0}
#concierge-root .concierge-notice:not(:empty){padding:6px 16px}
#concierge-root .concierge-form{display:flex;gap:8px;padding:12px;border-top:1px solid #e3e7e5}
#concierge-root .concierge-input{flex:1;min-width:0;padding:10px 12px;border:1.5px solid #c5ccc8;border-radius:10px;background:#fff;color:#1f2522}
#concierge-root .concierge-input:focus-visible{outline-offset:0;border-color:var(--ca)}
#concierge-root .concierge-send{flex:none;padding:10px 16px;border-radius:10px;background:var(--ca);color:var(--cat);font-weight:600;cursor:pointer}
#concierge-root .concierge-visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:480px),(max-height:480px){
 #concierge-root{right:12px;bottom:12px}
 #concierge-root .concierge-panel{position:fixed;left:0;right:0;top:var(--concierge-vt,0);bottom:auto;width:100%;
  height:var(--concierge-vh,100%);border-radius:0}
 #concierge-root.concierge-open .concierge-bubble{display:none} /* it would cover Send */
 #concierge-root .concierge-header{padding:8px 12px}
 #concierge-root .concierge-log{padding:12px}
 #concierge-root .concierge-form{padding:8px}
 #concierge-root .concierge-input{font-size:16px} /* smaller makes iOS zoom in on focus */
}
@media (prefers-reduced-motion:no-preference){
 #concierge-root .concierge-bubble{transition:transform .15s ease}
 #concierge-root .concierge-bubble:hover{transform:scale(1.06)}
 #concierge-root .concierge-panel:not([hidden]){animation:concierge-in .18s ease-out}
 #concierge-root .concierge-dot{animation:concierge-blink 1.2s infinite}
 #concierge-root .concierge-dot:nth-child(2){animation-delay:.2s}
 #concierge-root .concierge-dot:nth-child(3){animation-delay:.4s}
}
@keyframes concierge-in{from{opacity:0;transform:translateY(12px)}to{opacity:1;transform:none}}
@keyframes concierge-blink{0%,100%{opacity:.3}50%{opacity:1}}
`;

  /** Constructed stylesheets are used where supported: they need no 'unsafe-inline' in a shop's CSP. */
  function installStyles() {
    if ('adoptedStyleSheets' in document && typeof CSSStyleSheet.prototype.replaceSync === 'function') {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    } else {
      const style = document.createElement('style');
      style.textContent = CSS;
      document.head.append(style);
    }
  }

  /** The HTTP origin of the server (from the socket's address), or null. */
  function httpBase() {
    if (!config.server) return null;
    try {
      const url = new URL(config.server);
      url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
      return url.origin;
    } catch {
      return null;
    }
  }

  /** Learns the shopper's arms and records the exposure; resolves to whether to show the widget. */
  async function learnArms() {
    const base = httpBase();
    if (!base || !window.fetch) return true;
    const headers = { 'content-type': 'application/json' };
    const token = load('localStorage', KEY_SHOPPER);
    if (token) headers.authorization = 'Bearer ' + token;
    const body = JSON.stringify(config.customer ? { customer: config.customer } : {});
    try {
      const response = await fetch(base + '/v1/experiments', { method: 'POST', headers, body, credentials: 'omit' });
      if (!response.ok) return true;
      const assigned = await response.json();
      if (typeof assigned.shopper === 'string') save('localStorage', KEY_SHOPPER, assigned.shopper);
      const arms = assigned.experiments && typeof assigned.experiments === 'object' ? assigned.experiments : {};
      state.experiments = arms;
      window.concierge.experiments = arms;
      const open = assigned.assistant !== false;
      window.dispatchEvent(new CustomEvent('concierge:experiments', { detail: { experiments: arms, assistant: open } }));
      return open;
    } catch {
      return true;
    }
  }

  function start() {
    learnArms().then((open) => {
      if (open) show();
      else state.heldOut = true;
    });
  }

  function show() {
    installStyles();
    document.body.append(ui.root);
    if (fullScreen.addEventListener) fullScreen.addEventListener('change', applyLayout);
    if (window.visualViewport) window.visualViewport.addEventListener('resize', fitToViewport);
    restoreTranscript();
    if (load('sessionStorage', KEY_OPEN) === '1') openPanel(false);
  }

  window.concierge = { open: () => openPanel(true), close: closePanel, version: 1, experiments: {} };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
