// Render each Markdown text given on stdin (a JSON list of strings) to HTML with markdown-it (CommonMark
// plus tables, as GitHub reads them) and print the JSON list of HTML pages.
const MarkdownIt = require("markdown-it");
const md = new MarkdownIt({ html: true });
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  console.log(JSON.stringify(JSON.parse(input).map((text) => md.render(text))));
});
