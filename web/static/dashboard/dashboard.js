// The live KPI page: signs in with a staff token, subscribes to `dashboard` and `events` over
// graphql-transport-ws on this server, and shows the figures, their charts and the latest events.
(function () {
  "use strict";

  var KPIS = [
    { key: "newMembersToday", label: "New members today" },
    { key: "purchasesToday", label: "Purchases today" },
    { key: "revenueToday", label: "Revenue today", decimal: true },
    { key: "pointsIssuedToday", label: "Points issued today" },
    { key: "pointsRedeemedToday", label: "Points redeemed today" },
    { key: "openTickets", label: "Open tickets" },
    { key: "slaBreachesToday", label: "SLA breaches today" },
    { key: "nps30Days", label: "NPS, last 30 days", decimal: true },
  ];
  var DASHBOARD = "subscription Dashboard { dashboard { " +
    KPIS.map(function (k) { return k.key; }).join(" ") + " } }";
  var EVENTS = "subscription LatestEvents { events { id type occurredAt customerId } }";
  var VIEWER = "query Viewer { viewer { brand scopes } }";
  var KEEP_EVENTS = 20;
  var STORAGE_KEY = "crm-dashboard-token";

  var $ = function (id) { return document.getElementById(id); };
  var charts = {};
  var connection = null;
  var retry = null;

  function setStatus(state, text) {
    var status = $("status");
    status.dataset.state = state;
    status.textContent = text;
  }

  function buildCards() {
    var section = $("kpis");
    section.textContent = "";
    KPIS.forEach(function (kpi) {
      var card = document.createElement("article");
      card.className = "kpi";
      card.dataset.kpi = kpi.key;
      var title = document.createElement("h2");
      title.textContent = kpi.label;
      var value = document.createElement("output");
      value.className = "value";
      value.textContent = "–";
      var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      svg.setAttribute("class", "chart");
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", kpi.label + " over time");
      card.append(title, value, svg);
      section.appendChild(card);
      charts[kpi.key] = new window.StepChart(svg);
    });
  }

  function showFigures(figures) {
    var now = Date.now();
    KPIS.forEach(function (kpi) {
      var raw = figures[kpi.key];
      var card = document.querySelector('[data-kpi="' + kpi.key + '"]');
      var number = raw === null || raw === undefined ? null : Number(raw);
      card.querySelector(".value").textContent =
        number === null ? "n/a" : kpi.decimal ? String(raw) : number.toLocaleString("en");
      card.classList.toggle("unavailable", number === null);
      charts[kpi.key].add(now, number);
      charts[kpi.key].draw(now);
    });
  }

  function showEvent(event) {
    var list = $("events");
    var item = document.createElement("li");
    var time = document.createElement("time");
    time.dateTime = event.occurredAt;
    time.textContent = new Date(event.occurredAt).toLocaleTimeString();
    var type = document.createElement("strong");
    type.textContent = event.type;
    var who = document.createElement("span");
    who.textContent = event.customerId ? "customer " + event.customerId : "";
    item.append(time, " ", type, " ", who);
    list.insertBefore(item, list.firstChild);
    while (list.children.length > KEEP_EVENTS) list.removeChild(list.lastChild);
  }

  function messageOf(payload) {
    var errors = Array.isArray(payload) ? payload : payload.errors || [];
    return errors.map(function (e) { return e.message; }).join("; ");
  }

  async function viewer(token) {
    var response = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer " + token },
      body: JSON.stringify({ query: VIEWER }),
    });
    var body = await response.json();
    if (body.errors) throw new Error(messageOf(body));
    return body.data.viewer;
  }

  function socketUrl() {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/graphql";
  }

  function live(token) {
    setStatus("connecting", "connecting…");
    connection = window.GraphQLTransportWS.connect(socketUrl(), token, {
      acknowledged: function () {
        setStatus("live", "live");
        connection.subscribe(DASHBOARD, {
          next: function (payload) {
            if (payload.data && payload.data.dashboard) showFigures(payload.data.dashboard);
            else setStatus("error", messageOf(payload));
          },
          error: function (errors) { setStatus("error", messageOf(errors)); },
          complete: function () {},
        });
        connection.subscribe(EVENTS, {
          next: function (payload) {
            if (payload.data && payload.data.events) showEvent(payload.data.events);
          },
          error: function (errors) { $("events-note").textContent = messageOf(errors); },
          complete: function () {},
        });
      },
      closed: function (code, reason) {
        connection = null;
        if (code === 4403 || code === 4401) {
          signOut("The server refused the token (" + (reason || code) + ").");
          return;
        }
        setStatus("offline", "disconnected, reconnecting…");
        retry = setTimeout(function () { live(token); }, 2000);
      },
    });
  }

  async function signIn(token) {
    $("sign-in-error").textContent = "";
    try {
      var who = await viewer(token);
    } catch (error) {
      signOut(String(error.message || error));
      return;
    }
    sessionStorage.setItem(STORAGE_KEY, token);
    $("brand").textContent = who.brand;
    $("events-note").textContent = who.scopes.some(function (s) {
      return s === "events:read" || s === "events:write" || s === "admin";
    }) ? "" : "The latest events need a token with events:read.";
    $("sign-in").hidden = true;
    $("board").hidden = false;
    $("sign-out").hidden = false;
    buildCards();
    $("events").textContent = "";
    live(token);
  }

  function signOut(reason) {
    clearTimeout(retry);
    if (connection) connection.close();
    connection = null;
    sessionStorage.removeItem(STORAGE_KEY);
    $("board").hidden = true;
    $("sign-out").hidden = true;
    $("sign-in").hidden = false;
    $("brand").textContent = "";
    $("sign-in-error").textContent = reason || "";
    setStatus("signed-out", "signed out");
  }

  $("sign-in").addEventListener("submit", function (event) {
    event.preventDefault();
    var token = $("token").value.trim().replace(/^Bearer\s+/i, "");
    if (token) signIn(token);
  });
  $("sign-out").addEventListener("click", function () { signOut(""); });
  setInterval(function () {
    var now = Date.now();
    Object.keys(charts).forEach(function (key) { charts[key].draw(now); });
  }, 1000);

  var saved = sessionStorage.getItem(STORAGE_KEY);
  if (saved) signIn(saved);
})();
