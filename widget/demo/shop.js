/* The demo product page's "related" shelf: products from the placements API
   (GET /v1/recommendations?placement=product&product_id=ID), rendered as text only. */
(() => {
  'use strict';
  const shelf = document.getElementById('related');
  if (!shelf) return;
  const id = shelf.dataset.productId;
  const safe = (v) => {
    try {
      const url = new URL(String(v), location.href);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch {
      return null;
    }
  };
  const price = (amount, currency) => {
    try {
      return new Intl.NumberFormat(document.documentElement.lang || undefined, { style: 'currency', currency }).format(amount);
    } catch {
      return `${amount} ${currency}`;
    }
  };
  const node = (tag, cls, text) => {
    const n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text) n.textContent = text;
    return n;
  };
  const teaser = (p) => {
    const link = node('a');
    link.href = `/p/${encodeURIComponent(p.id)}`;
    const image = safe(p.image);
    if (image) {
      const img = node('img', 'art');
      img.src = image;
      img.alt = '';
      link.append(img);
    }
    const body = node('div', 'body');
    body.append(node('h3', '', String(p.title)), node('p', 'price', price(p.price, p.currency)));
    link.append(body);
    const item = node('li', 'teaser');
    item.dataset.productId = p.id;
    item.append(link);
    return item;
  };
  fetch(`/v1/recommendations?placement=product&k=4&product_id=${encodeURIComponent(id)}`)
    .then((r) => (r.ok ? r.json() : { products: [] }))
    .then((body) => {
      const products = (body.products || []).filter((p) => p && p.id !== id);
      shelf.replaceChildren(...products.map(teaser));
      shelf.closest('section').hidden = products.length === 0;
    })
    .catch(() => {
      shelf.closest('section').hidden = true;
    });
})();
