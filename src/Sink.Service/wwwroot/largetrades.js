// Large single trades under the dashboard: the newest 20 of /api/trades/large for the subject and venue that app.js shows
// (read from #dashboard's data attributes), over the week up to the newest stored window, re-read whenever the dashboard
// loads or receives a live update. Read as CSV so every number is shown as its exact decimal text (never re-parsed as a
// float). The note says the stored threshold of each quote currency (the X-Min-Notional header). For tests: #large-trades'
// data-rows (rows shown) and data-loads (completed reads), window.bvLargeTrades.rows().
(() => {
  'use strict';
  const main = document.getElementById('dashboard');
  const section = document.getElementById('large-trades');
  const body = document.getElementById('large-trade-rows');
  const note = document.getElementById('large-trades-note');
  const Shown = 20;
  const Day = 86_400_000;
  let rows = [];
  let pending = null;
  let generation = 0;
  let loads = 0;

  function subjectQuery() {
    const d = main.dataset;
    if (!d.subject) return null;
    const q = new URLSearchParams();
    q.set(d.mode === 'asset' ? 'asset' : 'product', d.subject);
    if (d.venue) q.set('venue', d.venue);
    return q;
  }

  function cell(text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function render() {
    body.replaceChildren(...rows.map((r) => {
      const tr = document.createElement('tr');
      tr.className = r.side;
      tr.append(
        cell(r.time.replace('T', ' ').replace(/(\.\d+)?Z$/, '')), cell(r.venue), cell(r.product), cell(r.side, r.side),
        cell(r.price, 'num'), cell(r.size, 'num'), cell(`${r.notional} ${r.quote}`, 'num'));
      return tr;
    }));
    section.dataset.rows = String(rows.length);
  }

  async function load() {
    const mine = ++generation;
    const q = subjectQuery();
    if (!q) return;
    try {
      const extent = await fetch(`/api/volumes/extent?${q}`);
      if (!extent.ok) { note.textContent = 'no volumes yet'; return; }
      const last = Date.parse((await extent.json()).last);
      q.set('from', new Date(last - 7 * Day).toISOString());
      q.set('to', new Date(last + Day).toISOString());
      q.set('limit', String(Shown));
      q.set('format', 'csv');
      const response = await fetch(`/api/trades/large?${q}`);
      const text = await response.text();
      if (mine !== generation) return;
      if (!response.ok) { note.textContent = `large trades: ${JSON.parse(text).title ?? response.status}`; return; }
      const [header, ...lines] = text.trim().split('\n');
      const names = header.split(',');
      rows = lines.filter((l) => l.length > 0).map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i], v])));
      render();
      const kept = response.headers.get('X-Min-Notional') ?? '';
      note.textContent = `kept from ${kept.replaceAll('=', ' ').replaceAll(',', ', ') || 'no threshold'}` +
        (rows.length ? `; newest ${rows.length} of the week up to the latest window` : '; none in the week up to the latest window');
      section.dataset.loads = String(++loads);
    } catch (e) {
      note.textContent = `large trades: ${e.message}`;
    }
  }

  function schedule() {
    clearTimeout(pending);
    pending = setTimeout(load, 150);
  }

  new MutationObserver(schedule).observe(main, { attributes: true, attributeFilter: ['data-loads', 'data-updates', 'data-subject', 'data-venue'] });
  window.bvLargeTrades = { rows: () => rows.map((r) => ({ ...r })), reload: load };
})();
