/*
 * The reports dashboard: asks the report API (with the user's session) and draws the
 * answers as tables and small SVG charts, and a map of the grids (Leaflet, served from this
 * site, through grids/map.js). No network beyond this site, so it works on an office
 * intranet. Every drawn mark carries the API's number in `data-value`, which is also what
 * the browser test reads.
 */
(function () {
  "use strict";

  const SVG = "http://www.w3.org/2000/svg";
  const config = JSON.parse(document.getElementById("dashboard-config").textContent);
  const texts = config.texts;
  const root = document.querySelector(".reports-dashboard");
  const form = document.getElementById("report-filters");
  const status = document.getElementById("report-status");

  // --- talking to the API ---------------------------------------------------------------

  const RESOLUTION_FILTERS = ["street", "community", "kind", "from", "to"];

  function query(extra, names) {
    const params = new URLSearchParams();
    for (const name of names || RESOLUTION_FILTERS) {
      const value = form.elements[name].value;
      if (value) params.set(name, value);
    }
    for (const [name, value] of Object.entries(extra)) params.set(name, value);
    return params.toString();
  }

  async function report(url, groupBy, names) {
    const response = await fetch(url + "?" + query({ group_by: groupBy }, names), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    const body = await response.json();
    if (!response.ok) {
      const detail = Object.entries(body)
        .map(([name, message]) => (name === "detail" ? message : name + ": " + message))
        .join("; ");
      throw new Error(detail);
    }
    return body;
  }

  // --- formatting -------------------------------------------------------------------------

  function shown(kind, figure) {
    if (kind === "rate") {
      return figure.value === null ? "—" : (figure.value * 100).toFixed(1) + "%";
    }
    if (kind === "hours") return figure === null ? "—" : figure.toFixed(2);
    return String(figure);
  }

  function raw(kind, figure) {
    const value = kind === "rate" ? figure.value : figure;
    return value === null ? "" : String(value);
  }

  // --- tables -----------------------------------------------------------------------------

  function fillTable(table, body) {
    const columns = Array.from(table.querySelectorAll("thead th[data-field]")).map((th) => ({
      field: th.dataset.field,
      kind: th.dataset.kind,
    }));
    const line = (name, figures, key) => {
      const tr = document.createElement("tr");
      if (key !== undefined) tr.dataset.key = key;
      const th = document.createElement("th");
      th.textContent = name;
      tr.appendChild(th);
      for (const column of columns) {
        const td = document.createElement("td");
        const figure = figures[column.field];
        td.textContent = shown(column.kind, figure);
        td.dataset.field = column.field;
        td.dataset.value = raw(column.kind, figure);
        if (column.kind === "rate") {
          td.title = figure.numerator + " / " + figure.denominator;
        }
        tr.appendChild(td);
      }
      return tr;
    };
    const tbody = table.querySelector("tbody");
    const tfoot = table.querySelector("tfoot");
    tbody.replaceChildren(...body.rows.map((row) => line(row.key.name, row, row.key.id)));
    tfoot.replaceChildren(line(texts.total_row, body.totals));
  }

  // --- charts -----------------------------------------------------------------------------

  function el(name, attributes, parent, text) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  // Charts are drawn in the pixels they take on the page (no scaling), so that their text
  // keeps its size however many months or categories there are.
  const FONT = 12;
  const TOP_CATEGORIES = 10;

  function widthOf(svg) {
    return Math.max(320, Math.floor(svg.parentElement.getBoundingClientRect().width) - 12);
  }

  function reset(svg, width, height) {
    svg.replaceChildren();
    svg.removeAttribute("viewBox");
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
  }

  function legend(svg, x, entries) {
    entries.forEach(([cls, label], i) => {
      el("rect", { x: x + i * 170, y: 4, width: 14, height: 14, class: "swatch " + cls }, svg);
      el("text", { x: x + i * 170 + 20, y: 16, class: "legend" }, svg, label);
    });
  }

  function noData(svg) {
    reset(svg, widthOf(svg), 40);
    el("text", { x: 10, y: 25, class: "empty" }, svg, texts.no_data);
  }

  // A label every `every` ticks, so that neighbouring labels never overlap.
  function labelStep(count, room, labelWidth) {
    return Math.max(1, Math.ceil((count * labelWidth) / Math.max(room, 1)));
  }

  // Closure and on-time rates, two bars per community, on a 0–100% scale.
  function drawRates(svg, rows) {
    if (!rows.length) return noData(svg);
    const series = [
      ["closure_rate", texts.closure_rate],
      ["on_time_rate", texts.on_time_rate],
    ];
    const width = widthOf(svg);
    const left = 48, top = 30, plot = 240, bottom = 56;
    const band = Math.max(36, Math.min(90, (width - left - 10) / rows.length));
    const bar = Math.max(10, Math.min(28, band / 2 - 6));
    const drawn = Math.max(width, left + rows.length * band + 10);
    reset(svg, drawn, top + plot + bottom);
    legend(svg, left, series.map(([name, label]) => ["bar-" + name, label]));
    for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
      const y = top + plot - tick * plot;
      el("line", { x1: left, x2: drawn - 10, y1: y, y2: y, class: "grid-line" }, svg);
      el("text", { x: left - 6, y: y + 4, class: "axis", "text-anchor": "end" }, svg, tick * 100 + "%");
    }
    const every = labelStep(rows.length, drawn - left, 5 * FONT);
    rows.forEach((row, i) => {
      const x = left + i * band + (band - 2 * bar - 4) / 2;
      series.forEach(([name, label], j) => {
        const value = row[name].value;
        const h = (value || 0) * plot;
        const rect = el("rect", {
          x: x + j * (bar + 4),
          y: top + plot - h,
          width: bar,
          height: h,
          class: "bar bar-" + name,
          "data-key": row.key.id,
          "data-value": value === null ? "" : value,
        }, svg);
        el("title", {}, rect, row.key.name + " · " + label + " " + shown("rate", row[name]));
      });
      if (i % every === 0) {
        el("text", {
          x: x + bar,
          y: top + plot + 18,
          class: "axis",
          "text-anchor": "middle",
        }, svg, row.key.name);
      }
    });
  }

  // Accepted and closed cases per month, as two lines.
  function drawTrend(svg, rows) {
    if (!rows.length) return noData(svg);
    const series = [
      ["accepted", texts.accepted],
      ["closed", texts.closed],
    ];
    const width = widthOf(svg);
    const left = 56, right = 24, top = 30, plot = 260, bottom = 40;
    reset(svg, width, top + plot + bottom);
    legend(svg, left, series.map(([name, label]) => ["line-" + name, label]));
    const step = (width - left - right) / Math.max(rows.length - 1, 1);
    const peak = Math.max(1, ...rows.map((row) => Math.max(row.accepted, row.closed)));
    const y = (count) => top + plot - (count / peak) * plot;
    const x = (i) => left + (rows.length === 1 ? (width - left - right) / 2 : i * step);
    for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
      const value = Math.round(peak * tick);
      el("line", { x1: left, x2: width - right, y1: y(value), y2: y(value), class: "grid-line" }, svg);
      el("text", { x: left - 6, y: y(value) + 4, class: "axis", "text-anchor": "end" }, svg, value);
    }
    for (const [name, label] of series) {
      const points = rows.map((row, i) => (i ? "L" : "M") + x(i) + " " + y(row[name]));
      el("path", { d: points.join(" "), class: "line line-" + name, fill: "none" }, svg);
      rows.forEach((row, i) => {
        const dot = el("circle", {
          cx: x(i),
          cy: y(row[name]),
          r: 4,
          class: "point point-" + name,
          "data-key": row.key.id,
          "data-value": row[name],
        }, svg);
        el("title", {}, dot, row.key.name + " · " + label + " " + row[name]);
      });
    }
    const every = labelStep(rows.length, width - left - right, 5.5 * FONT);
    rows.forEach((row, i) => {
      if (i % every === 0) {
        el("text", { x: x(i), y: top + plot + 20, class: "axis", "text-anchor": "middle" }, svg, row.key.name);
      }
    });
  }

  // The largest categories, then one bar for all the others together.
  function topCategories(rows) {
    const sorted = rows.slice().sort((a, b) => b.total - a.total || String(a.key.name).localeCompare(b.key.name));
    const top = sorted.slice(0, TOP_CATEGORIES).map((row) => ({ id: row.key.id, name: row.key.name, total: row.total }));
    const rest = sorted.slice(TOP_CATEGORIES);
    if (rest.length) {
      top.push({
        id: "other",
        name: texts.other_categories.replace("%(count)s", rest.length),
        total: rest.reduce((sum, row) => sum + row.total, 0),
      });
    }
    return top;
  }

  // Cases per category, as horizontal bars, largest first.
  function drawCategories(svg, rows) {
    if (!rows.length) return noData(svg);
    const bars = topCategories(rows);
    const width = widthOf(svg);
    const left = 170, bar = 20, gap = 10, right = 70;
    const plot = Math.max(120, width - left - right);
    reset(svg, width, bars.length * (bar + gap) + 10);
    const peak = Math.max(1, ...bars.map((row) => row.total));
    bars.forEach((row, i) => {
      const y = 5 + i * (bar + gap);
      const w = (row.total / peak) * plot;
      el("text", { x: left - 8, y: y + 15, class: "axis", "text-anchor": "end" }, svg, row.name);
      const rect = el("rect", {
        x: left,
        y: y,
        width: w,
        height: bar,
        class: "bar bar-total" + (row.id === "other" ? " bar-other" : ""),
        "data-key": row.id,
        "data-value": row.total,
      }, svg);
      el("title", {}, rect, row.name + " · " + texts.total + " " + row.total);
      el("text", { x: left + w + 6, y: y + 15, class: "value" }, svg, row.total);
    });
  }

  // --- the map of grids ---------------------------------------------------------------------

  const RAMP = ["#f1eef6", "#bdc9e1", "#74a9cf", "#2b8cbe", "#045a8d"];
  const NO_FIGURE = "#dddddd";
  const mapFigure = document.getElementById("map-figure");
  let gridMap = null;
  let gridLayer = null;
  let mapData = null;

  function figureValue(row, name) {
    if (!row) return null;
    const figure = row[name];
    return config.mapFigures[name] === "rate" ? figure.value : figure;
  }

  function shade(value, peak) {
    if (value === null || value === undefined) return NO_FIGURE;
    const share = peak > 0 ? value / peak : 0;
    return RAMP[Math.min(RAMP.length - 1, Math.floor(share * RAMP.length))];
  }

  function drawMap() {
    if (!mapData || typeof L === "undefined") return;
    const name = mapFigure.value;
    const rows = {};
    for (const row of mapData.byGrid.rows) rows[row.key.id] = row;
    const values = mapData.grids.features.map((f) => figureValue(rows[f.properties.id], name));
    const rate = config.mapFigures[name] === "rate";
    const peak = rate ? 1 : Math.max(0, ...values.filter((v) => v !== null));
    if (!gridMap) gridMap = TerritoryMap.create(document.getElementById("map-grids"), config.tiles);
    if (gridLayer) gridLayer.remove();
    const drawn = TerritoryMap.drawFeatures(
      gridMap,
      mapData.grids,
      function (feature) {
        const value = figureValue(rows[feature.properties.id], name);
        return { color: "#555", weight: 1, fillColor: shade(value, peak), fillOpacity: 0.8 };
      },
      function (feature) {
        const row = rows[feature.properties.id];
        const kind = config.mapFigures[name];
        return feature.properties.name + " · " + (row ? shown(kind, row[name]) : texts.no_figure);
      }
    );
    for (const [feature, layer] of drawn.layers) {
      const value = figureValue(rows[feature.properties.id], name);
      TerritoryMap.mark(layer, { value: value === null ? "" : value, figure: name });
    }
    gridLayer = drawn.group;
    TerritoryMap.fit(gridMap, gridLayer, null);
    legendFor(rate, peak);
    document.getElementById("map-grids").dataset.state = "ready";
  }

  function legendFor(rate, peak) {
    const legend = document.getElementById("map-legend");
    legend.replaceChildren();
    RAMP.forEach((colour, i) => {
      const low = (peak * i) / RAMP.length;
      const span = document.createElement("span");
      const swatch = document.createElement("i");
      swatch.style.background = colour;
      span.appendChild(swatch);
      span.appendChild(document.createTextNode(rate ? "≥" + (low * 100).toFixed(0) + "%" : "≥" + Math.round(low)));
      legend.appendChild(span);
    });
    const none = document.createElement("span");
    const swatch = document.createElement("i");
    swatch.style.background = NO_FIGURE;
    none.appendChild(swatch);
    none.appendChild(document.createTextNode(texts.no_figure));
    legend.appendChild(none);
  }

  async function geo(url) {
    const response = await fetch(url + "?" + query({}, config.mapFilters), {
      credentials: "same-origin",
      headers: { Accept: "application/geo+json, application/json" },
    });
    if (!response.ok) throw new Error(response.status + " " + url);
    return response.json();
  }

  // --- rankings -----------------------------------------------------------------------------

  const rankingForm = document.getElementById("ranking-filters");

  async function ranking(lastMonth) {
    const params = new URLSearchParams();
    for (const name of ["of", "period", "by", "date"]) {
      const value = rankingForm.elements[name].value;
      if (value) params.set(name, value);
    }
    if (!params.get("date") && lastMonth) params.set("date", lastMonth + "-01");
    for (const name of ["street", "community", "kind"]) {
      const value = form.elements[name].value;
      if (value) params.set(name, value);
    }
    const response = await fetch(config.rankingsUrl + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body.detail || JSON.stringify(body));
    return body;
  }

  function fillRanking(body) {
    const table = document.getElementById("table-ranking");
    document.getElementById("ranking-period").textContent = body.period.name;
    const tbody = table.querySelector("tbody");
    const cells = (row) => [
      row.rank === null ? "—" : String(row.rank),
      row.key.name,
      String(row.total),
      String(row.closed),
      shown("rate", row.closure_rate),
      shown("rate", row.on_time_rate),
      shown("rate", row.satisfaction_rate),
    ];
    tbody.replaceChildren(...body.rows.map((row) => {
      const tr = document.createElement("tr");
      tr.dataset.key = row.key.id;
      tr.dataset.rank = row.rank === null ? "" : row.rank;
      for (const text of cells(row)) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.appendChild(td);
      }
      return tr;
    }));
    if (!body.rows.length) {
      const tr = document.createElement("tr");
      const td = document.createElement("td");
      td.colSpan = 7;
      td.textContent = texts.no_data;
      tr.appendChild(td);
      tbody.appendChild(tr);
    }
  }

  async function refreshRanking(lastMonth) {
    const panel = document.getElementById("ranking-panel");
    panel.dataset.state = "loading";
    try {
      fillRanking(await ranking(lastMonth));
      panel.dataset.state = "ready";
    } catch (error) {
      document.getElementById("ranking-period").textContent = texts.error.replace("%(detail)s", error.message);
      panel.dataset.state = "error";
    }
  }

  // --- the page ---------------------------------------------------------------------------

  function linkDownloads() {
    for (const format of ["csv", "xlsx"]) {
      document.getElementById("download-" + format).href =
        config.resolutionUrl + "?" + query({ group_by: "community", format: format });
    }
  }

  // Offer only the communities of the chosen street.
  function narrowCommunities() {
    const street = form.elements.street.value;
    for (const option of form.elements.community.options) {
      option.hidden = Boolean(street && option.dataset.street && option.dataset.street !== street);
    }
    const chosen = form.elements.community.selectedOptions[0];
    if (chosen && chosen.hidden) form.elements.community.value = "";
  }

  async function refresh() {
    root.dataset.state = "loading";
    status.textContent = texts.loading;
    linkDownloads();
    try {
      const [communities, months, categories, mediation, byGrid, grids] = await Promise.all([
        report(config.resolutionUrl, "community"),
        report(config.resolutionUrl, "month"),
        report(config.resolutionUrl, "category"),
        report(config.mediationUrl, "street", config.mediationFilters),
        report(config.resolutionUrl, "grid"),
        geo(config.gridsUrl),
      ]);
      mapData = { byGrid: byGrid, grids: grids };
      drawMap();
      fillTable(document.getElementById("table-communities"), communities);
      fillTable(document.getElementById("table-mediation"), mediation);
      drawRates(document.getElementById("chart-rates"), communities.rows);
      drawTrend(document.getElementById("chart-trend"), months.rows);
      drawCategories(document.getElementById("chart-categories"), categories.rows);
      lastMonth = months.rows.length ? months.rows[months.rows.length - 1].key.id : null;
      await refreshRanking(lastMonth);
      status.textContent = communities.rows.length ? "" : texts.no_data;
      root.dataset.state = "ready";
    } catch (error) {
      status.textContent = texts.error.replace("%(detail)s", error.message);
      root.dataset.state = "error";
    }
  }

  // The ranking's period defaults to the last month with cases in the chosen territory.
  let lastMonth = null;
  rankingForm.addEventListener("change", () => refreshRanking(lastMonth));
  rankingForm.addEventListener("submit", (event) => {
    event.preventDefault();
    refreshRanking(lastMonth);
  });

  form.elements.street.addEventListener("change", narrowCommunities);
  mapFigure.addEventListener("change", drawMap);
  narrowCommunities();
  refresh();
})();
