// BitcoinVolume dashboard: price + stacked taker buy/sell volume + net line, totals for the visible range, live updates.
// Data comes from /api/volumes as CSV so that decimals stay exact strings: totals are summed exactly (BigInt fixed point);
// only the chart's plotting uses floating point. Live: /api/volumes/stream (SSE) says which base windows changed; the
// bars that contain them are re-read from the API (rolled up server-side, exact) and merged. The base window (Sink:Window,
// e.g. 1m or 10s) and the intervals offered with it come from /api/config.
'use strict';
(() => {
  const BARS = 150; // bars shown, ending at the latest stored window
  const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 };
  const $ = (id) => document.getElementById(id);
  const main = $('dashboard');
  const state = {
    product: null,
    interval: null,
    windowMs: 0, // the base window, from /api/config
    barMs: 0, // the selected interval
    bars: new Map(), // bar start (ms) -> { time, buy, sell }
    source: null,
    pending: new Set(),
    timer: 0,
    updates: 0,
    generation: 0,
  };

  // ---- exact decimals ({ v: BigInt, s: scale }) ----
  const D = {
    zero: { v: 0n, s: 0 },
    parse(text) {
      if (!text) return D.zero;
      const negative = text.startsWith('-');
      const [i, f = ''] = (negative ? text.slice(1) : text).split('.');
      return { v: BigInt((negative ? '-' : '') + (i || '0') + f), s: f.length };
    },
    align(a, b) {
      const s = Math.max(a.s, b.s);
      return [a.v * 10n ** BigInt(s - a.s), b.v * 10n ** BigInt(s - b.s), s];
    },
    add(a, b) { const [x, y, s] = D.align(a, b); return { v: x + y, s }; },
    sub(a, b) { const [x, y, s] = D.align(a, b); return { v: x - y, s }; },
    isZero(a) { return a.v === 0n; },
    text(a) {
      const negative = a.v < 0n;
      const digits = (negative ? -a.v : a.v).toString().padStart(a.s + 1, '0');
      const int = digits.slice(0, digits.length - a.s).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
      const frac = digits.slice(digits.length - a.s).replace(/0+$/, '');
      return (negative ? '-' : '') + int + (frac ? '.' + frac : '');
    },
    num(a) { return Number(D.text(a).replaceAll(',', '')); },
  };

  // ---- chart ----
  const colors = { buy: '#26a69a', sell: '#ef5350', net: '#f0b90b', price: '#5b9cf6' };
  let chart = null;
  let series = null;
  if (window.LightweightCharts) {
    const LC = window.LightweightCharts;
    chart = LC.createChart($('chart'), {
      autoSize: true,
      layout: { background: { color: '#161c23' }, textColor: '#c7d0da', panes: { separatorColor: '#2a323c' } },
      grid: { vertLines: { color: '#1f262e' }, horzLines: { color: '#1f262e' } },
      timeScale: { timeVisible: true, secondsVisible: false, borderColor: '#2a323c' },
      rightPriceScale: { borderColor: '#2a323c' },
      localization: { timeFormatter: (t) => stamp(t * 1000) },
    });
    series = {
      price: chart.addSeries(LC.LineSeries, { color: colors.price, lineWidth: 2, title: 'price', priceLineVisible: false }, 0),
      // Stacked: the sell series is drawn at buy + sell, the buy series over it from zero.
      total: chart.addSeries(LC.HistogramSeries, { color: colors.sell, title: 'sell', priceLineVisible: false, lastValueVisible: false }, 1),
      buy: chart.addSeries(LC.HistogramSeries, { color: colors.buy, title: 'buy', priceLineVisible: false, lastValueVisible: false }, 1),
      net: chart.addSeries(LC.LineSeries, { color: colors.net, lineWidth: 2, title: 'net', priceLineVisible: false }, 1),
    };
    const panes = chart.panes();
    if (panes.length > 1) panes[1].setHeight(260);
    chart.timeScale().subscribeVisibleLogicalRangeChange(() => updateTotals());
  }

  // ---- helpers ----
  function show(stateName, message) {
    main.dataset.state = stateName;
    const overlay = $('overlay');
    overlay.classList.toggle('hidden', !message);
    $('overlay-text').textContent = message || '';
  }

  function status(text) { $('status').textContent = text; }

  // Length of an interval such as 10s, 1m, 4h, 1d or a bare number (minutes), in milliseconds.
  function msOf(interval) {
    const m = /^(\d+)([smhd]?)$/.exec(interval ?? '');
    return m ? Number(m[1]) * UNIT_SECONDS[m[2] || 'm'] * 1000 : state.windowMs;
  }

  function iso(ms) { return new Date(ms).toISOString().replace('.000Z', 'Z'); }

  // 'YYYY-MM-DD HH:MM' (UTC), with ':SS' when the base window is shorter than a minute.
  function stamp(ms) {
    return iso(ms).slice(0, state.windowMs % msOf('1m') === 0 ? 16 : 19).replace('T', ' ');
  }

  async function api(path) {
    const response = await fetch(path, { headers: { Accept: 'application/json, text/csv' } });
    if (!response.ok) {
      let detail = response.statusText;
      try {
        const problem = await response.json();
        detail = problem.title + (problem.errors ? ' ' + Object.values(problem.errors).flat().join(' ') : problem.detail ? ' ' + problem.detail : '');
      } catch { /* not problem details */ }
      throw new Error(`${response.status}: ${detail}`);
    }
    return response;
  }

  async function fetchBars(fromMs, toMs) {
    const q = new URLSearchParams({ product: state.product, interval: state.interval, from: iso(fromMs), to: iso(toMs), format: 'csv' });
    const text = await (await api(`/api/volumes?${q}`)).text();
    const lines = text.split('\n').filter((l) => l.length > 0);
    const header = lines.shift().split(',');
    const at = Object.fromEntries(header.map((name, i) => [name, i]));
    return lines.map((line) => {
      const f = line.split(',');
      return {
        start: Date.parse(f[at.start]),
        side: f[at.side],
        trades: BigInt(f[at.trades]),
        base: D.parse(f[at.baseVolume]),
        quote: D.parse(f[at.quoteVolume]),
        net: D.parse(f[at.net]),
        imbalance: f[at.imbalance],
      };
    });
  }

  function merge(rows, fromMs, toMs) {
    for (const start of [...state.bars.keys()]) {
      if (start >= fromMs && start < toMs) state.bars.delete(start);
    }
    for (const row of rows) {
      const bar = state.bars.get(row.start) ?? { time: row.start / 1000, buy: null, sell: null };
      bar[row.side] = row;
      state.bars.set(row.start, bar);
    }
  }

  function barValues(bar) {
    const buy = bar.buy?.base ?? D.zero;
    const sell = bar.sell?.base ?? D.zero;
    const base = D.add(buy, sell);
    const quote = D.add(bar.buy?.quote ?? D.zero, bar.sell?.quote ?? D.zero);
    return { buy, sell, net: D.sub(buy, sell), base, quote, price: D.isZero(base) ? null : D.num(quote) / D.num(base) };
  }

  function sortedBars() { return [...state.bars.values()].sort((a, b) => a.time - b.time); }

  function render(fit) {
    const bars = sortedBars();
    const grew = bars.length > Number(main.dataset.bars || 0);
    main.dataset.bars = String(bars.length);
    main.dataset.buyBars = String(bars.filter((b) => b.buy && !D.isZero(b.buy.base)).length);
    main.dataset.sellBars = String(bars.filter((b) => b.sell && !D.isZero(b.sell.base)).length);
    if (series) {
      const values = bars.map((b) => [b.time, barValues(b)]);
      series.buy.setData(values.map(([time, v]) => ({ time, value: D.num(v.buy) })));
      series.total.setData(values.map(([time, v]) => ({ time, value: D.num(v.base) })));
      series.net.setData(values.map(([time, v]) => ({ time, value: D.num(v.net) })));
      series.price.setData(values.filter(([, v]) => v.price !== null).map(([time, v]) => ({ time, value: v.price })));
      // New bars on the right: keep everything in view while it fits, else follow the latest bar.
      if (fit || (grew && bars.length <= 2 * BARS)) chart.timeScale().fitContent();
      else if (grew) chart.timeScale().scrollToRealTime();
    }
    if (bars.length === 0) {
      show('empty', `No volumes for ${state.product} in this range yet — waiting for live data…`);
    } else if (!series) {
      show('ready', 'The chart library is missing (build Sink.Service with npm available); totals and the table still work.');
    } else {
      show('ready', null);
    }
    updateTotals();
    updateTable(bars);
  }

  function updateTotals() {
    const bars = sortedBars();
    let visible = bars;
    const range = chart?.timeScale().getVisibleRange();
    if (range) visible = bars.filter((b) => b.time >= range.from && b.time <= range.to);
    let buy = D.zero, sell = D.zero, quote = D.zero, trades = 0n;
    for (const bar of visible) {
      const v = barValues(bar);
      buy = D.add(buy, v.buy);
      sell = D.add(sell, v.sell);
      quote = D.add(quote, v.quote);
      trades += (bar.buy?.trades ?? 0n) + (bar.sell?.trades ?? 0n);
    }
    const total = D.add(buy, sell);
    $('t-buy').textContent = D.text(buy);
    $('t-sell').textContent = D.text(sell);
    $('t-net').textContent = D.text(D.sub(buy, sell));
    $('t-imbalance').textContent = D.isZero(total) ? '–' : `${((D.num(buy) - D.num(sell)) / D.num(total) * 100).toFixed(2)} %`;
    $('t-trades').textContent = trades.toLocaleString('en-US');
    $('t-quote').textContent = D.text(quote);
    $('t-range').textContent = visible.length
      ? `${stamp(visible[0].time * 1000).slice(5)} → ${stamp(visible[visible.length - 1].time * 1000 + state.barMs).slice(5)} (${visible.length})`
      : '–';
  }

  function updateTable(bars, flashed = new Set()) {
    const body = $('rows');
    body.replaceChildren(...bars.slice(-12).reverse().map((bar) => {
      const v = barValues(bar);
      const tr = document.createElement('tr');
      if (flashed.has(bar.time * 1000)) tr.className = 'flash';
      const cells = [
        stamp(bar.time * 1000),
        D.text(v.buy), D.text(v.sell), D.text(v.net),
        bar.buy?.imbalance ?? bar.sell?.imbalance ?? '0',
        v.price === null ? '–' : String(Number(v.price.toPrecision(8))),
        ((bar.buy?.trades ?? 0n) + (bar.sell?.trades ?? 0n)).toString(),
      ];
      cells.forEach((text, i) => {
        const td = document.createElement('td');
        td.textContent = i === 4 ? Number(text).toFixed(4) : text;
        if (i === 1) td.className = 'buy';
        if (i === 2) td.className = 'sell';
        tr.append(td);
      });
      return tr;
    }));
  }

  // ---- loading ----
  async function loadProducts() {
    const select = $('product');
    try {
      const products = await (await api('/api/products')).json();
      const current = select.value || new URLSearchParams(location.search).get('product');
      select.replaceChildren(...products.map((p) => new Option(p, p)));
      if (products.length === 0) {
        show('empty', 'No products yet — waiting for the first volumes…');
        setTimeout(loadProducts, 3000);
        return;
      }
      select.value = products.includes(current) ? current : (products.includes('BTC-USD') ? 'BTC-USD' : products[0]);
      if (select.value !== state.product) await load();
    } catch (e) {
      show('error', `Cannot load products: ${e.message}`);
      setTimeout(loadProducts, 5000);
    }
  }

  async function load() {
    const generation = ++state.generation;
    state.product = $('product').value;
    state.interval = $('interval').value;
    state.barMs = msOf(state.interval);
    state.bars.clear();
    state.pending.clear();
    show('loading', `Loading ${state.product} ${state.interval}…`);
    connect();
    try {
      const extent = await (await api(`/api/volumes/extent?product=${encodeURIComponent(state.product)}`)).json();
      const first = Math.floor(Date.parse(extent.first) / state.barMs) * state.barMs;
      const end = Math.floor(Date.parse(extent.last) / state.barMs) * state.barMs + state.barMs;
      const from = Math.max(first, end - BARS * state.barMs);
      const rows = await fetchBars(from, end);
      if (generation !== state.generation) return;
      merge(rows, from, end);
      render(true);
      status(`${state.product} ${state.interval}: ${rows.length} rows loaded at ${new Date().toISOString().slice(11, 19)} UTC`);
    } catch (e) {
      if (generation === state.generation) show('error', `Cannot load volumes: ${e.message}`);
    }
  }

  // ---- live ----
  function connect() {
    state.source?.close();
    const live = $('live');
    const source = new EventSource(`/api/volumes/stream?product=${encodeURIComponent(state.product)}`);
    state.source = source;
    source.onopen = () => { live.className = 'live on'; $('live-text').textContent = 'live'; };
    source.onerror = () => { live.className = 'live off'; $('live-text').textContent = 'reconnecting…'; };
    source.addEventListener('volume', (e) => {
      const update = JSON.parse(e.data); // only the start is used: values are re-read exactly from the API
      const start = Date.parse(update.start);
      state.pending.add(Math.floor(start / state.barMs) * state.barMs);
      clearTimeout(state.timer);
      state.timer = setTimeout(flush, 250);
    });
    source.addEventListener('resync', () => load());
  }

  async function flush() {
    if (state.pending.size === 0) return;
    const generation = state.generation;
    const starts = [...state.pending];
    state.pending.clear();
    const from = Math.min(...starts);
    const to = Math.max(...starts) + state.barMs;
    try {
      const rows = await fetchBars(from, to);
      if (generation !== state.generation) return;
      merge(rows, from, to);
      state.updates += 1;
      main.dataset.updates = String(state.updates);
      render(false);
      updateTable(sortedBars(), new Set(starts));
      status(`Live update #${state.updates} at ${new Date().toISOString().slice(11, 19)} UTC: ${starts.length} bar(s) changed`);
    } catch (e) {
      status(`Live update failed: ${e.message}`);
    }
  }

  // The base window and the intervals offered with it (the base window first). Without an answer the page keeps the
  // intervals of index.html and takes the first as the base window.
  async function loadConfig() {
    const select = $('interval');
    try {
      const config = await (await api('/api/config')).json();
      state.windowMs = config.windowSeconds * 1000;
      select.replaceChildren(...config.intervals.map((name) => new Option(name, name)));
    } catch (e) {
      state.windowMs = msOf(select.options[0]?.value);
      status(`Cannot load /api/config (${e.message}); assuming ${select.options[0]?.value} windows.`);
    }
    chart?.applyOptions({ timeScale: { secondsVisible: state.windowMs % msOf('1m') !== 0 } });
  }

  $('product').addEventListener('change', load);
  $('interval').addEventListener('change', load);
  loadConfig().then(() => {
    const wanted = new URLSearchParams(location.search).get('interval');
    if (wanted && [...$('interval').options].some((o) => o.value === wanted)) $('interval').value = wanted;
    loadProducts();
  });
  setInterval(async () => {
    try {
      const products = await (await api('/api/products')).json();
      const select = $('product');
      for (const p of products) if (![...select.options].some((o) => o.value === p)) select.append(new Option(p, p));
    } catch { /* shown on the next load */ }
  }, 30_000);
})();
