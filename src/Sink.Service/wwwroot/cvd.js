// Cumulative volume delta (CVD) under the dashboard: a line of /api/cvd's cvdBase for the subject, venue and interval that
// app.js shows (read from #dashboard's data attributes and the interval selector), over the latest 150 bars, re-read from
// the API (exact, server-side) whenever the dashboard loads or receives a live update. The anchor selector picks where the
// running sum starts (day, week, or the start of the shown range). Only the plotting uses floating point: the exact
// decimal texts of the API are kept in #cvd-chart's data-last (the newest cvdBase). For tests: data-points (how many
// points the line holds), window.bvCvd.points().
(() => {
  'use strict';
  const main = document.getElementById('dashboard');
  const container = document.getElementById('cvd-chart');
  const anchorSelect = document.getElementById('cvd-anchor');
  const note = document.getElementById('cvd-note');
  const Bars = 150;
  let chart = null;
  let line = null;
  let points = [];
  let pending = null;
  let generation = 0;

  function msOf(interval) {
    const m = /^(\d+)([smhd]?)$/.exec(interval ?? '');
    if (!m) return 60_000;
    return Number(m[1]) * ({ s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] || 'm']);
  }

  function ensureChart() {
    if (chart || !window.LightweightCharts) return !!chart;
    chart = LightweightCharts.createChart(container, {
      height: 220,
      layout: { background: { color: 'transparent' }, textColor: '#c9d1d9' },
      grid: { vertLines: { color: '#21262d' }, horzLines: { color: '#21262d' } },
      timeScale: { timeVisible: true, secondsVisible: false },
    });
    const options = { color: '#58a6ff', lineWidth: 2, priceLineVisible: false };
    line = chart.addSeries ? chart.addSeries(LightweightCharts.LineSeries, options) : chart.addLineSeries(options);
    return true;
  }

  function subjectQuery() {
    const d = main.dataset;
    if (!d.subject) return null;
    const q = new URLSearchParams();
    q.set(d.mode === 'asset' ? 'asset' : 'product', d.subject);
    if (d.venue) q.set('venue', d.venue);
    return q;
  }

  async function load() {
    const mine = ++generation;
    const q = subjectQuery();
    if (!q || !ensureChart()) return;
    const interval = document.getElementById('interval').value;
    const barMs = msOf(interval);
    try {
      const extent = await fetch(`/api/volumes/extent?${q}`);
      if (!extent.ok) { note.textContent = 'no volumes yet'; return; }
      const last = Date.parse((await extent.json()).last);
      const end = Math.floor(last / barMs) * barMs + barMs;
      q.set('interval', interval);
      q.set('anchor', anchorSelect.value);
      q.set('from', new Date(end - Bars * barMs).toISOString());
      q.set('to', new Date(end).toISOString());
      const response = await fetch(`/api/cvd?${q}`);
      const text = await response.text();
      if (mine !== generation) return;
      if (!response.ok) { note.textContent = `CVD: ${JSON.parse(text).title ?? response.status}`; return; }
      // Keep each cvdBase as its exact text (the page never re-adds the sums); plot its float value.
      const exact = [...text.matchAll(/"start":"([^"]+)","deltaBase":(-?[\d.eE+-]+),"cvdBase":(-?[\d.eE+-]+)/g)];
      points = exact.map((m) => ({ time: Date.parse(m[1]) / 1000, value: Number(m[3]), text: m[3] }));
      line.setData(points.map(({ time, value }) => ({ time, value })));
      chart.timeScale().fitContent();
      container.dataset.points = String(points.length);
      container.dataset.last = points.length ? points[points.length - 1].text : '';
      note.textContent = points.length
        ? `CVD (${anchorSelect.value} anchor) ${interval}: ${points[points.length - 1].text} at ${new Date(points[points.length - 1].time * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`
        : 'no bars in range';
    } catch (e) {
      note.textContent = `CVD: ${e.message}`;
    }
  }

  function schedule() {
    clearTimeout(pending);
    pending = setTimeout(load, 150);
  }

  new MutationObserver(schedule).observe(main, { attributes: true, attributeFilter: ['data-loads', 'data-updates', 'data-subject', 'data-venue'] });
  anchorSelect.addEventListener('change', load);
  window.bvCvd = { points: () => points.map(({ time, text }) => ({ time, cvd: text })), reload: load };
})();
