// Buying from a shop's page and its product pages: the same cart, checkout and payment as in a
// show (buy.js), at catalog prices. On the shop page the cart is a drawer; on a product page it
// sits beside the product, its options already shown.
import { Buying } from "./buy.js";

const $ = (id) => document.getElementById(id);
const config = JSON.parse($("buying").textContent);
const side = $("side");
const inline = side.classList.contains("inline");
const buyButtons = document.querySelectorAll("[data-buy-product]");
let opener = null;

function setOpen(open, by = null) {
  if (inline) return;
  side.classList.toggle("open", open);
  $("open-cart").setAttribute("aria-expanded", String(open));
  if (open) {
    opener = by ?? opener;
    $("close-drawer").focus();
  } else {
    (opener ?? $("open-cart")).focus();
    opener = null;
  }
}

// Shop pages are the same for every visitor: whether this device may buy comes with the cart.
function showBuying({ allowed, message }) {
  buyButtons.forEach((button) => (button.hidden = !allowed));
  $("open-cart")?.toggleAttribute("hidden", !allowed);
  $("watch-only").hidden = allowed;
  $("watch-only").textContent = message || "";
  $("panel-cart").hidden = !allowed;
}

const buying = new Buying({
  config,
  onCartCount: (count) => $("cart-count") && ($("cart-count").textContent = count),
  onDone: () => setOpen(false),
  onShow: () => setOpen(true),
  onBuying: showBuying,
  keepPicking: inline,
});

buyButtons.forEach((button) =>
  button.addEventListener("click", () => {
    setOpen(true, button);
    buying.pick(Number(button.dataset.buyProduct));
  }),
);
$("open-cart")?.addEventListener("click", (event) => setOpen(true, event.currentTarget));
$("close-drawer")?.addEventListener("click", () => setOpen(false));
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && side.classList.contains("open")) setOpen(false);
});
if (inline) buying.pick(Number($("buy-here").dataset.product), { focus: false, push: false });
