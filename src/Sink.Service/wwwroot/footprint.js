// Volume at price (footprint) under the dashboard: for the product, venue and interval app.js shows (read from #dashboard's
// data attributes and the interval selector), /api/footprint over a chosen range (from/to, UTC; empty: the latest bars) at a
// chosen tick (empty: the stored tick). One column per bar, one row per price level (highest first); each cell shows
// sell × buy base volume, the POC cell is outlined, the value area shaded, diagonal imbalances coloured (buy green, sell
// red). Numbers are kept as the API's exact decimal texts (JSON.parse with the source text); only the shading uses floats.
// For tests: #footprint-grid's data-bars, data-levels, data-poc, data-imbalances; window.bvFootprint.bars().
(() => {
  'use strict';
  const main = document.getElementById('dashboard');
  const grid = document.getElementById('footprint-grid');
  const note = document.getElementById('footprint-note');
  const fromInput = document.getElementById('fp-from');
  const toInput = document.getElementById('fp-to');
  const tickInput = document.getElementById('fp-tick');
  const LatestBars = 12;
  let bars = [];
  let generation = 0;
  let pending = null;

  const exact = (text) => JSON.parse(text, (key, value, context) => (typeof value === 'number' ? (context && context.source) || String(value) : value));

  function msOf(interval) {
    const m = /^(\d+)([smhd]?)$/.exec(interval ?? '');
    if (!m) return 60_000;
    return Number(m[1]) * ({ s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] || 'm']);
  }

  function single(venue) {
    return venue && !venue.includes(',') && venue !== 'spot' && venue !== 'all' ? venue : null;
  }

  function cell(tag, text, className) {
    const element = document.createElement(tag);
    element.textContent = text;
    if (className) element.className = className;
    return element;
  }

  function render() {
    grid.replaceChildren();
    const prices = [...new Set(bars.flatMap((b) => b.levels.map((l) => l.price)))].sort((a, b) => Number(b) - Number(a));
    const table = document.createElement('table');
    const head = document.createElement('tr');
    head.append(cell('th', 'price'));
    for (const bar of bars) head.append(cell('th', bar.start.slice(5, 16).replace('T', ' ')));
    table.append(head);
    let poc = 0;
    let imbalances = 0;
    const max = Math.max(...bars.flatMap((b) => b.levels.map((l) => Number(l.buyBase) + Number(l.sellBase))), 0);
    for (const price of prices) {
      const row = document.createElement('tr');
      row.append(cell('th', price));
      for (const bar of bars) {
        const level = bar.levels.find((l) => l.price === price);
        const inArea = Number(price) >= Number(bar.valueAreaLow) && Number(price) <= Number(bar.valueAreaHigh);
        if (!level) {
          row.append(cell('td', '', inArea ? 'fp va' : 'fp'));
          continue;
        }
        const td = cell('td', '', 'fp');
        td.append(cell('span', level.sellBase, level.sellImbalance ? 'sell imb' : 'sell'), cell('span', ' × '), cell('span', level.buyBase, level.buyImbalance ? 'buy imb' : 'buy'));
        if (inArea) td.classList.add('va');
        if (price === bar.poc) { td.classList.add('poc'); poc++; }
        if (level.buyImbalance || level.sellImbalance) imbalances++;
        td.style.setProperty('--fill', max > 0 ? String((Number(level.buyBase) + Number(level.sellBase)) / max) : '0');
        td.title = `${bar.start} ${price}: buy ${level.buyBase} (${level.buyTrades} trades), sell ${level.sellBase} (${level.sellTrades} trades)`;
        row.append(td);
      }
      table.append(row);
    }
    grid.append(table);
    grid.dataset.bars = String(bars.length);
    grid.dataset.levels = String(bars.reduce((n, b) => n + b.levels.length, 0));
    grid.dataset.poc = String(poc);
    grid.dataset.imbalances = String(imbalances);
  }

  async function load() {
    const mine = ++generation;
    const d = main.dataset;
    if (!d.subject || d.mode === 'asset') {
      note.textContent = 'the footprint is per product: choose a product';
      return;
    }
    const q = new URLSearchParams({ product: d.subject });
    const venue = single(d.venue);
    if (venue) q.set('venue', venue);
    const interval = document.getElementById('interval').value;
    q.set('interval', interval);
    if (tickInput.value.trim()) q.set('tick', tickInput.value.trim());
    try {
      let from = fromInput.value.trim();
      let to = toInput.value.trim();
      if (!from || !to) {
        const extent = await fetch(`/api/volumes/extent?product=${encodeURIComponent(d.subject)}${venue ? `&venue=${venue}` : ''}`);
        if (!extent.ok) { note.textContent = 'no volumes yet'; return; }
        const barMs = msOf(interval);
        const end = Math.floor(Date.parse((await extent.json()).last) / barMs) * barMs + barMs;
        to = to || new Date(end).toISOString();
        from = from || new Date(Date.parse(to) - LatestBars * barMs).toISOString();
      }
      q.set('from', from);
      q.set('to', to);
      const response = await fetch(`/api/footprint?${q}`);
      const text = await response.text();
      if (mine !== generation) return;
      if (!response.ok) {
        const problem = JSON.parse(text);
        note.textContent = `footprint: ${Object.values(problem.errors ?? {}).flat().join(' ') || problem.title || response.status}`;
        return;
      }
      bars = exact(text);
      render();
      note.textContent = bars.length ? `${bars.length} bars, tick ${bars[0].tick}, ${from} – ${to}` : 'no trades in range';
    } catch (e) {
      note.textContent = `footprint: ${e.message}`;
    }
  }

  function schedule() {
    clearTimeout(pending);
    pending = setTimeout(load, 200);
  }

  new MutationObserver(schedule).observe(main, { attributes: true, attributeFilter: ['data-loads', 'data-updates', 'data-subject', 'data-venue'] });
  document.getElementById('fp-apply').addEventListener('click', load);
  window.bvFootprint = { bars: () => bars, reload: load };
})();
