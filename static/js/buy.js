// Buying inside the event page (docs/checkout.md): pick an option, cart, checkout, pay, confirmation.
// Everything happens in the side panel, so the video never stops. The server computes every price;
// this code only shows what it answers. Text from the server is written with textContent.

import { request } from "./http.js";

const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  Object.assign(element, props);
  element.append(...children);
  return element;
}

// The order waiting for payment, kept for a reload of the page (this tab only).
const resumeKey = (base) => `liveshop:checkout:${base}`;

function countdown(seconds) {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

export class Buying {
  // onShow: bring the cart into view (a history step back to it, a reload at the payment step);
  // onDone: the buyer is finished (the confirmation's "Keep watching", or Back out of the panel).
  // config.base: the show's or the shop's buying endpoints ("/events/<slug>/buy/", "/shop/<slug>/buy/").
  // onBuying({allowed, message}): whether this device may buy here, with each cart (shop pages are
  // the same for every visitor, so they learn it from the cart).
  // keepPicking: the options stay after "Add to cart" (a product page sells one product).
  constructor({ config, onCartCount, onDone, onShow, onBuying = () => {}, keepPicking = false }) {
    this.base = config.base;
    this.config = config;
    this.onCartCount = onCartCount;
    this.onDone = onDone;
    this.onShow = onShow;
    this.onBuying = onBuying;
    this.keepPicking = keepPicking;
    this.order = null;
    this.product = null;
    this.current = null;
    $("buy-add").addEventListener("submit", (event) => { event.preventDefault(); this.add(); });
    $("buy-checkout").addEventListener("click", () => this.step("contact"));
    $("buy-step-contact").addEventListener("submit", (event) => { event.preventDefault(); this.startCheckout(); });
    $("buy-step-contact").addEventListener("input", ({ target }) => {
      target.removeAttribute("aria-invalid"); // corrected: no longer marked
      const error = $(`buy-error-${target.name}`);
      if (error) error.textContent = "";
    });
    $("buy-back-to-cart").addEventListener("click", () => this.step("cart"));
    $("buy-edit-address").addEventListener("click", () => this.step("contact"));
    $("buy-pay")?.addEventListener("click", () => this.pay("succeed"));
    $("buy-decline")?.addEventListener("click", () => this.pay("fail"));
    $("buy-cancel").addEventListener("click", () => this.cancel());
    $("buy-done").addEventListener("click", () => { this.finishOrder(); this.onDone(); });
    // Browser Back and Forward move between the panel's steps; back past the first one, the panel
    // closes and the show stays.
    window.addEventListener("popstate", ({ state }) => this.historyStep(state?.buyStep));
    setInterval(() => this.renderHold(), 1000);
    const waiting = sessionStorage.getItem(resumeKey(this.base)); // read before the cart step clears it
    this.refreshCart({ focus: false, push: false }).then(() => this.resume(waiting));
  }

  url(path) {
    return `${this.base}${path}`;
  }

  // An error for a person; when signing in would help (a deal limited per customer), a link that
  // opens the sign-in page in a new tab, so the show keeps playing here.
  error(id, text, signInUrl) {
    $(id).textContent = text || "";
    if (signInUrl) {
      const link = el("a", { href: signInUrl, target: "_blank", rel: "noopener", className: "sign-in" }, "Sign in");
      $(id).append(" ", link, " (opens a new tab), then add it again.");
    }
  }

  step(name, { focus = true, push = true } = {}) {
    for (const section of ["cart", "contact", "payment", "confirmation"]) {
      $(`buy-step-${section}`).hidden = section !== name;
    }
    $("buy-add").hidden = name !== "cart" || !this.product;
    if (name === "payment" && this.order) sessionStorage.setItem(resumeKey(this.base), this.order.number);
    else sessionStorage.removeItem(resumeKey(this.base));
    if (push && history.state?.buyStep !== name) history.pushState({ buyStep: name }, "");
    this.current = name;
    if (focus) $(`buy-step-${name}`).querySelector("h3")?.focus();
  }

  historyStep(name) {
    // A paid order is not a step to go back into: Back from its confirmation leaves the panel.
    if (!name || this.current === "confirmation") {
      if (this.current === "confirmation") this.finishOrder();
      this.onDone();
      return;
    }
    if (name === "payment" && !this.order) name = "contact";
    if ((name === "contact" || name === "payment") && !this.cart?.lines.length) name = "cart";
    this.onShow();
    this.step(name, { push: false });
  }

  // The page was reloaded while an order waited for payment: back to that order's payment step.
  // Sending the same details again gives the same order and payment (checkout is idempotent).
  async resume(number) {
    if (!number) return;
    const { ok, data } = await request(`/orders/${number}/`);
    if (!ok || data.status !== "pending_payment" || data.seconds_left <= 0) return;
    const form = $("buy-step-contact");
    for (const [name, value] of Object.entries(data.contact)) {
      if (form.elements[name]) form.elements[name].value = value;
    }
    this.onShow();
    history.replaceState({ buyStep: "payment" }, "");
    await this.startCheckout();
  }

  // While an order waits for payment its items are held; the panel says for how long.
  renderHold() {
    const held = $("buy-held");
    if (!this.order || this.current === "confirmation") {
      held.hidden = true;
      return;
    }
    const left = Math.max(0, Math.round((this.order.deadline - Date.now()) / 1000));
    held.hidden = false;
    held.dataset.state = left > 0 ? "held" : "expired";
    if (left > 0) {
      held.textContent = `Your items are held for you for ${countdown(left)}.`;
      return;
    }
    this.order = null;
    held.hidden = true;
    this.refreshCart().then(() =>
      this.error("buy-cart-error", "Your hold ran out and the items went back on sale. Check out again to hold them."),
    );
  }

  // The buyer is done with this order (paid): the next checkout starts from the cart.
  finishOrder() {
    this.order = null;
    this.refreshCart({ focus: false, push: false });
  }

  // Pick an option of a product (from the banner or the purchase tab)
  async pick(productId, { focus = true, push = true } = {}) {
    this.error("buy-add-error", "");
    const { ok, data } = await request(this.url(`products/${productId}/`));
    if (!ok) {
      this.error("buy-add-error", data.error);
      return;
    }
    this.product = data;
    $("buy-product-title").textContent = data.title;
    $("buy-deal").hidden = !data.deal;
    $("buy-limit").textContent = data.per_customer_limit ? `Limit ${data.per_customer_limit} per customer.` : "";
    const select = $("buy-variant");
    select.replaceChildren(
      ...data.variants.map((variant) =>
        el("option", {
          value: variant.id,
          disabled: variant.available === 0,
          textContent: `${variant.label} — ${variant.price_display}${variant.available === 0 ? " (sold out)" : variant.available <= 5 ? ` (only ${variant.available} left)` : ""}`,
        }),
      ),
    );
    const firstAvailable = data.variants.find((variant) => variant.available > 0);
    const shown = firstAvailable ?? data.variants[0]; // all sold out: still say which, and that
    if (shown) select.value = shown.id;
    $("buy-add-button").disabled = !firstAvailable;
    $("buy-quantity").value = 1;
    this.step("cart", { focus, push });
    if (focus) $("buy-variant").focus();
  }

  async add() {
    this.error("buy-add-error", "");
    const chosen = { variant: $("buy-variant").value, quantity: $("buy-quantity").value };
    const { ok, data } = await request(this.url("cart/add/"), {
      variant_id: Number(chosen.variant),
      quantity: Number(chosen.quantity),
    });
    if (!ok) {
      if (data.code === "sold_out") await this.showAgain(chosen);
      this.error("buy-add-error", data.error, data.sign_in_url);
      return;
    }
    if (!this.keepPicking) this.product = null;
    this.renderCart(data);
    this.step("cart");
    $("buy-cart-heading").focus();
  }

  // Stock ran out since the options were shown: show them as they are now, keeping the choice if
  // it can still be bought.
  async showAgain(chosen) {
    await this.pick(this.product.id, { focus: false });
    const option = $("buy-variant").querySelector(`option[value="${chosen.variant}"]`);
    if (option && !option.disabled) {
      $("buy-variant").value = chosen.variant;
      $("buy-quantity").value = chosen.quantity;
    }
  }

  async refreshCart({ focus = true, push = true } = {}) {
    const { ok, data } = await request(this.url("cart/"));
    if (ok) this.renderCart(data);
    this.step("cart", { focus, push });
  }

  renderCart(cart) {
    this.cart = cart;
    this.onBuying(cart.buying);
    this.prefill(cart.prefill);
    const count = cart.lines.reduce((sum, line) => sum + line.quantity, 0);
    this.onCartCount(count);
    $("buy-cart-empty").hidden = cart.lines.length > 0;
    $("buy-cart-total").textContent = cart.lines.length ? `Total ${cart.total_display}` : "";
    $("buy-cart-note").textContent = cart.lines.length
      ? `${cart.shipping_note} Shipping and tax are added before you pay; checking out holds your items for ${this.config.hold_minutes} minutes.`
      : "";
    $("buy-contact-total").textContent = `${count} ${count === 1 ? "item" : "items"} · Total ${cart.total_display}`;
    $("buy-checkout").hidden = cart.lines.length === 0;
    $("buy-cart-lines").replaceChildren(
      ...cart.lines.map((line) => {
        const name = `${line.title}${line.label ? ` (${line.label})` : ""}`;
        const minus = el("button", { type: "button", className: "qty", textContent: "−" });
        minus.setAttribute("aria-label", `One less ${name}`);
        minus.addEventListener("click", () => this.setQuantity(line.id, line.quantity - 1));
        const plus = el("button", { type: "button", className: "qty", textContent: "+" });
        plus.setAttribute("aria-label", `One more ${name}`);
        plus.addEventListener("click", () => this.setQuantity(line.id, line.quantity + 1));
        const remove = el("button", { type: "button", className: "link", textContent: "Remove" });
        remove.setAttribute("aria-label", `Remove ${name}`);
        remove.addEventListener("click", () => this.setQuantity(line.id, 0));
        return el(
          "li",
          { className: "cart-line" },
          el("span", { className: "name", textContent: name }),
          el("span", { className: "controls" }, minus, el("span", { className: "quantity", textContent: String(line.quantity) }), plus, remove),
          el("span", { className: "line-total", textContent: line.line_total_display }),
        );
      }),
    );
  }

  // A signed-in viewer: their email and saved address fill the empty fields, once; they may save
  // the address they ship to.
  prefill(values) {
    if (!values || this.prefilled) return;
    this.prefilled = true;
    const form = $("buy-step-contact");
    for (const [name, value] of Object.entries(values)) {
      const field = form.elements[name];
      if (field && (field.tagName === "SELECT" || !field.value)) field.value = value;
    }
    $("buy-save-address-row").hidden = false;
    $("buy-save-address").disabled = false;
  }

  async setQuantity(lineId, quantity) {
    this.error("buy-cart-error", "");
    const { ok, data } = await request(this.url(`cart/lines/${lineId}/`), { quantity });
    if (!ok) this.error("buy-cart-error", data.error);
    else this.renderCart(data);
  }

  async startCheckout() {
    const form = $("buy-step-contact");
    form.querySelectorAll(".field-error").forEach((node) => (node.textContent = ""));
    form.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
    this.error("buy-contact-error", "");
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true; // a double click sends one request
    const body = Object.fromEntries(new FormData(form).entries());
    const { ok, data } = await request(this.url("checkout/"), body).finally(() => (submit.disabled = false));
    if (!ok) {
      this.error("buy-contact-error", data.error);
      for (const [name, messages] of Object.entries(data.fields || {})) {
        const target = $(`buy-error-${name}`);
        if (target) target.textContent = messages.join(" ");
        $(`buy-${name}`)?.setAttribute("aria-invalid", "true");
      }
      form.querySelector("[aria-invalid]")?.focus(); // the first field to correct
      return;
    }
    this.showOrder(data.order);
    this.step("payment");
    if (data.payment.provider === "stripe") await this.mountStripe(data.payment);
  }

  // The summary before paying: what, where to, shipping, tax, the total, and the hold.
  showOrder(order) {
    this.order = { ...order, deadline: Date.now() + order.seconds_left * 1000 };
    $("buy-summary-lines").replaceChildren(
      ...order.lines.map((line) =>
        el(
          "li",
          {},
          el("span", { textContent: `${line.quantity} × ${line.title}${line.label ? ` (${line.label})` : ""}` }),
          el("span", { textContent: line.line_total_display }),
        ),
      ),
    );
    $("buy-subtotal").textContent = order.subtotal_display;
    $("buy-shipping").textContent = order.shipping_display;
    $("buy-tax-label").textContent = order.tax_label;
    $("buy-tax").textContent = order.tax_display;
    $("buy-payment-total").textContent = order.total_display;
    $("buy-ship-to").textContent = order.ship_to.join("\n");
    this.renderHold();
  }

  async mountStripe(payment) {
    // Stripe requires Stripe.js from its own servers; only Stripe mode loads it.
    if (!window.Stripe) {
      await new Promise((resolve, reject) => {
        const script = el("script", { src: "https://js.stripe.com/v3/", onload: resolve, onerror: reject });
        document.head.append(script);
      }).catch(() => this.error("buy-payment-error", "The payment form could not load. Check your connection."));
    }
    if (!window.Stripe) return;
    this.stripe = window.Stripe(payment.publishable_key);
    this.elements = this.stripe.elements({ clientSecret: payment.client_secret });
    this.elements.create("payment").mount("#payment-element");
  }

  async pay(outcome) {
    // One payment at a time: a double click, or Decline right after Pay, waits for the answer.
    if (!this.order || this.paying) return;
    this.error("buy-payment-error", "");
    this.paying = true;
    try {
      await this.settle(outcome);
    } finally {
      this.paying = false;
    }
  }

  async settle(outcome) {
    if (this.config.provider === "stripe") {
      const { error } = await this.stripe.confirmPayment({
        elements: this.elements,
        redirect: "if_required",
        confirmParams: { return_url: location.href },
      });
      if (error) {
        this.error("buy-payment-error", error.message);
        return;
      }
    } else {
      const { ok, data } = await request(`/orders/${this.order.number}/test-pay/`, { outcome });
      if (!ok) {
        this.error("buy-payment-error", data.error);
        return;
      }
    }
    await this.followOrder();
  }

  async followOrder() {
    // The payment's outcome reaches the server by webhook; ask until the order is settled.
    for (let attempt = 0; attempt < 60; attempt++) {
      const { ok, data } = await request(`/orders/${this.order.number}/`);
      if (ok && data.status !== "pending_payment") {
        this.finish(data);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    this.error("buy-payment-error", "Your payment is still being confirmed; you will get an email.");
  }

  finish(order) {
    sessionStorage.removeItem(resumeKey(this.base));
    if (order.status === "paid") {
      $("buy-confirmation-text").textContent = `Thank you! Order ${order.number.slice(0, 8)} is confirmed: ${order.total_display}. A confirmation is on its way to ${order.email}.`;
      this.step("confirmation");
      this.onCartCount(0);
    } else {
      this.order = null;
      this.refreshCart().then(() => this.error("buy-cart-error", order.reason || "The payment did not go through."));
    }
  }

  async cancel() {
    if (this.paying) return;
    if (this.order) await request(`/orders/${this.order.number}/cancel/`, {});
    this.order = null;
    this.refreshCart();
  }
}
