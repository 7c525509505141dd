// A time zone select marked data-guess-time-zone starts on the browser's own zone (Intl), added to
// the list when it is not among the common ones. Without JavaScript the server's default stays.

const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

for (const select of document.querySelectorAll("select[data-guess-time-zone]")) {
  if (!zone) break;
  let option = [...select.options].find((candidate) => candidate.value === zone);
  if (!option) {
    option = new Option(zone.replaceAll("_", " "), zone);
    select.add(option);
  }
  option.selected = true;
}
