// Render every math span given on stdin (a JSON list of {tex, display}) with KaTeX, throwing on any error.
// Prints one line per failure ("index: message") and exits 1 if there was any.
const katex = require("katex");
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const spans = JSON.parse(input);
  let failures = 0;
  spans.forEach((span, index) => {
    try {
      katex.renderToString(span.tex, { displayMode: span.display, throwOnError: true, strict: "error" });
    } catch (error) {
      failures += 1;
      console.log(`${index}: ${error.message.split("\n")[0]}`);
    }
  });
  console.log(`${spans.length} spans, ${failures} failed`);
  process.exit(failures ? 1 : 0);
});
