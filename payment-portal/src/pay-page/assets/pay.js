/* The pay page's only script: network choice, copy, countdown, live status (SSE with a polling
 * fallback), an injected EIP-1193 wallet, and the dev-chain pay button. No library, no build. */
/* global window, document, EventSource, fetch, location, navigator, sessionStorage, setTimeout, setInterval, clearInterval */
(function () {
  'use strict';

  var dataEl = document.getElementById('tp-view');
  if (!dataEl) return;
  var view = JSON.parse(dataEl.textContent || '{}');
  var statusEl = document.getElementById('tp-status');
  var card = document.querySelector('.tp-card');
  var expiryLine = document.getElementById('tp-expiry-line');
  var expiryEl = document.getElementById('tp-expiry');
  var radios = Array.prototype.slice.call(document.querySelectorAll('input[name="tp-network"]'));
  var panels = Array.prototype.slice.call(document.querySelectorAll('.tp-offer'));
  var redirecting = false;
  var walletNote = '';
  var walletState = 'waiting';

  function isZero(decimal) {
    return /^0*(\.0*)?$/.test(String(decimal).trim());
  }

  function activeOffer(v) {
    for (var i = 0; i < v.offers.length; i++) {
      var o = v.offers[i];
      if (!isZero(o.received) || o.confirmations.have > 0) return o;
    }
    return undefined;
  }

  // Same wording as status.ts (server side), which renders the first state.
  function describe(v) {
    var inv = v.invoice;
    var offer = activeOffer(v);
    var where = offer ? ' on ' + offer.networkLabel : '';
    if (inv.status === 'paid' || inv.status === 'redeemed') {
      return {
        state: 'paid',
        text: 'Payment received' + where + '. Taking you back to ' + inv.host + inv.resource + '…',
      };
    }
    if (inv.status === 'expired') {
      return {
        state: 'expired',
        text:
          'This payment request has expired. Do not send anything to its addresses; go back to ' +
          inv.host +
          inv.resource +
          ' for a new one.',
      };
    }
    if (offer && !isZero(offer.received) && !isZero(offer.remaining)) {
      return {
        state: 'underpaid',
        text:
          'Received ' +
          offer.received +
          ' ' +
          offer.asset.symbol +
          ' on ' +
          offer.networkLabel +
          ', which is less than the price. Send the remaining ' +
          offer.remaining +
          ' ' +
          offer.asset.symbol +
          ' to the same address.',
      };
    }
    if (inv.status === 'seen' || inv.status === 'confirming') {
      var c = offer ? offer.confirmations : undefined;
      var progress = c ? ' (' + c.have + ' of ' + c.need + ' confirmations)' : '';
      return inv.status === 'seen'
        ? { state: 'seen', text: 'Payment seen' + where + '. Waiting for confirmations' + progress + '.' }
        : { state: 'confirming', text: 'Confirming' + where + progress + '.' };
    }
    return { state: 'waiting', text: 'Waiting for your payment.' };
  }

  function setStatus(state, text) {
    if (statusEl.textContent !== text) statusEl.textContent = text;
    statusEl.setAttribute('data-state', state);
    if (card) card.setAttribute('data-state', state);
  }

  // What each offer asks for now: the QR codes and wallet links were rendered for these amounts.
  function dueKey(v) {
    return v.offers
      .map(function (o) {
        return isZero(o.received) || isZero(o.remaining) ? o.atomic : 'rest ' + o.remaining;
      })
      .join('|');
  }
  var renderedDue = dueKey(view);

  function update(v) {
    view = v;
    var d = describe(v);
    // After a partial payment the server renders QR codes and links for what is left: reload once
    // so nobody scans a code that asks for the whole price again.
    if (d.state !== 'paid' && d.state !== 'expired' && !redirecting && dueKey(v) !== renderedDue) {
      renderedDue = dueKey(v);
      stopLive();
      location.reload();
      return;
    }
    if (walletNote && d.state === 'waiting') setStatus(walletState, walletNote);
    else setStatus(d.state, d.text);
    v.offers.forEach(function (o, i) {
      var el = document.querySelector('[data-progress="' + i + '"]');
      if (!el) return;
      var show = !isZero(o.received);
      el.hidden = !show;
      if (show) {
        el.textContent =
          'Received ' +
          o.received +
          ' ' +
          o.asset.symbol +
          (isZero(o.remaining) ? '.' : '; still to pay ' + o.remaining + ' ' + o.asset.symbol + '.');
      }
    });
    if (d.state === 'paid' || d.state === 'expired') {
      if (expiryLine) expiryLine.hidden = true;
      setButtonsDisabled(true);
    }
    if (d.state === 'paid' && !redirecting) {
      redirecting = true;
      stopLive();
      setTimeout(function () {
        setStatus('paid', 'Paid. Redirecting to ' + v.invoice.host + v.invoice.resource + '…');
        location.assign(v.urls.complete);
      }, 800);
    }
    if (d.state === 'expired') stopLive();
  }

  function setButtonsDisabled(disabled) {
    document.querySelectorAll('[data-wallet],[data-devpay]').forEach(function (b) {
      b.disabled = disabled;
    });
  }

  // ----- network choice: radios are keyboard-native; JS shows the chosen panel only.
  var choiceKey = 'tp-choice-' + view.invoice.id;
  function choose(index) {
    panels.forEach(function (p) {
      p.hidden = p.getAttribute('data-offer') !== String(index);
    });
    try {
      sessionStorage.setItem(choiceKey, String(index));
    } catch {
      /* storage may be off; the choice then resets on reload */
    }
  }
  radios.forEach(function (r) {
    r.addEventListener('change', function () {
      if (r.checked) choose(r.value);
    });
  });
  var remembered = null;
  try {
    remembered = sessionStorage.getItem(choiceKey);
  } catch {
    /* as above */
  }
  radios.forEach(function (r) {
    if (remembered !== null && r.value === remembered) r.checked = true;
  });
  var checked = radios.filter(function (r) {
    return r.checked;
  })[0];
  if (checked) choose(checked.value);

  // ----- copy buttons
  document.querySelectorAll('[data-copy]').forEach(function (btn) {
    btn.addEventListener('click', function () {
      var target = document.getElementById(btn.getAttribute('data-copy'));
      if (!target) return;
      var text = target.textContent || '';
      var done = function () {
        var label = btn.textContent;
        btn.textContent = 'Copied';
        setTimeout(function () {
          btn.textContent = label;
        }, 1500);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () {
          selectText(target);
        });
      } else {
        selectText(target);
      }
    });
  });
  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  // ----- expiry countdown
  var expiresAt = Date.parse(view.invoice.expiresAt);
  var timer;
  function tick() {
    if (!expiryEl || isNaN(expiresAt)) return;
    var left = Math.max(0, Math.floor((expiresAt - Date.now()) / 1000));
    var hours = Math.floor(left / 3600);
    var m = Math.floor((left % 3600) / 60);
    var s = left % 60;
    var two = function (n) {
      return (n < 10 ? '0' : '') + n;
    };
    expiryEl.textContent = (hours > 0 ? hours + ':' + two(m) : String(m)) + ':' + two(s);
    if (left === 0) {
      clearInterval(timer);
      if (view.invoice.status === 'pending') {
        update(Object.assign({}, view, { invoice: Object.assign({}, view.invoice, { status: 'expired' }) }));
      }
    }
  }
  timer = setInterval(tick, 1000);
  tick();

  // ----- live status: Server-Sent Events, polling the JSON state when SSE is unavailable
  var source;
  var poller;
  function handle(text) {
    try {
      update(JSON.parse(text));
    } catch {
      /* a malformed event is ignored; the next one or the poll brings the state */
    }
  }
  function poll() {
    fetch(view.urls.state, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) {
        return r.ok ? r.text() : Promise.reject(r.status);
      })
      .then(handle, function () {});
  }
  function startPolling() {
    if (!poller) poller = setInterval(poll, 3000);
  }
  function stopLive() {
    if (source) source.close();
    if (poller) clearInterval(poller);
    poller = undefined;
  }
  if (typeof EventSource === 'function') {
    source = new EventSource(view.urls.events);
    source.onmessage = function (ev) {
      handle(ev.data);
    };
    source.addEventListener('state', function (ev) {
      handle(ev.data);
    });
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) startPolling();
    };
  } else {
    startPolling();
  }

  // ----- browser wallet (EIP-1193)
  function hex(n) {
    return '0x' + BigInt(n).toString(16);
  }
  function pad32(hexNoPrefix) {
    return ('0'.repeat(64) + hexNoPrefix).slice(-64);
  }
  // Whole units (decimal string) to atomic units, exactly: string arithmetic, never floats.
  function toAtomic(decimal, decimals) {
    var parts = String(decimal).trim().split('.');
    var frac = (parts[1] || '').padEnd(decimals, '0');
    if (frac.length > decimals) frac = frac.slice(0, decimals);
    return BigInt(parts[0] || '0') * BigInt(10) ** BigInt(decimals) + BigInt(frac || '0');
  }
  function amountDue(offer) {
    if (!isZero(offer.received) && !isZero(offer.remaining))
      return toAtomic(offer.remaining, offer.asset.decimals);
    return BigInt(offer.atomic);
  }
  function walletMessage(state, text) {
    walletNote = text;
    walletState = state;
    setStatus(state, text);
  }
  async function payWithWallet(index) {
    var offer = view.offers[index];
    var eth = window.ethereum;
    if (!eth || typeof eth.request !== 'function') {
      walletMessage(
        'error',
        'No browser wallet was found. Send the payment from any wallet to the address shown, or scan the QR code.',
      );
      return;
    }
    try {
      var accounts = await eth.request({ method: 'eth_requestAccounts' });
      var from = accounts && accounts[0];
      if (!from) throw new Error('the wallet returned no account');
      var want = hex(offer.chainId);
      var have = await eth.request({ method: 'eth_chainId' });
      if (String(have).toLowerCase() !== want) {
        try {
          await eth.request({ method: 'wallet_switchEthereumChain', params: [{ chainId: want }] });
        } catch {
          walletMessage(
            'wrong-network',
            'Your wallet is on another network (chain id ' +
              parseInt(have, 16) +
              '). Switch it to ' +
              offer.networkLabel +
              ' (chain id ' +
              offer.chainId +
              ') and try again.',
          );
          return;
        }
        have = await eth.request({ method: 'eth_chainId' });
        if (String(have).toLowerCase() !== want) {
          walletMessage(
            'wrong-network',
            'Your wallet is still on another network (chain id ' +
              parseInt(have, 16) +
              '). Switch it to ' +
              offer.networkLabel +
              ' (chain id ' +
              offer.chainId +
              ').',
          );
          return;
        }
      }
      var due = amountDue(offer);
      var tx =
        offer.asset.kind === 'erc20'
          ? {
              from: from,
              to: offer.asset.address,
              value: '0x0',
              // transfer(address,uint256): selector a9059cbb, then the two words
              data:
                '0xa9059cbb' + pad32(offer.payTo.toLowerCase().replace(/^0x/, '')) + pad32(due.toString(16)),
            }
          : { from: from, to: offer.payTo, value: hex(due) };
      walletMessage('waiting', 'Confirm the payment in your wallet…');
      var hash = await eth.request({ method: 'eth_sendTransaction', params: [tx] });
      walletMessage(
        'waiting',
        'Transaction sent (' + String(hash).slice(0, 10) + '…). Waiting for it to reach the chain.',
      );
    } catch (e) {
      var msg =
        e && e.code === 4001
          ? 'You rejected the request in your wallet.'
          : 'The wallet could not send the payment: ' + ((e && e.message) || e);
      walletMessage('error', msg);
    }
  }
  document.querySelectorAll('[data-wallet]').forEach(function (btn) {
    btn.addEventListener('click', function () {
      payWithWallet(Number(btn.getAttribute('data-wallet')));
    });
  });

  // ----- dev chain only: the portal pays from one of the local chain's unlocked dev accounts
  document.querySelectorAll('[data-devpay]').forEach(function (btn) {
    btn.addEventListener('click', function () {
      var offer = view.offers[Number(btn.getAttribute('data-devpay'))];
      if (!view.urls.devPay || !offer) return;
      btn.disabled = true;
      walletMessage('waiting', 'Paying from the dev account…');
      fetch(view.urls.devPay, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        // Several offers may share the dev chain (USDC and ETH): name the one chosen.
        body: JSON.stringify({ network: offer.network, payTo: offer.payTo, asset: offer.asset.symbol }),
      })
        .then(function (r) {
          if (!r.ok)
            return r.text().then(function (t) {
              throw new Error(t || String(r.status));
            });
          walletMessage('waiting', 'Dev payment sent. Waiting for it to reach the chain.');
        })
        .catch(function (e) {
          btn.disabled = false;
          walletMessage('error', 'The dev payment failed: ' + ((e && e.message) || e));
        });
    });
  });

  update(view);
})();
