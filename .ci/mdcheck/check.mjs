// check.mjs FILE...: fails when a Markdown file does not render as its
// source is laid out. It parses each file with markdown-it (CommonMark) and
// flags every block outside a list item whose source lines are indented:
// text meant to continue a list item (a table, a code fence, a paragraph)
// that a missing blank line or indentation left at the top level, where it
// renders between the items or glued to the paragraph above. A top-level
// indented code block is flagged too (this project fences its code).
//
//	node .ci/mdcheck/check.mjs README.md
import { readFileSync } from 'node:fs';
import MarkdownIt from 'markdown-it';

const md = new MarkdownIt();
let failures = 0;
for (const file of process.argv.slice(2)) {
  const src = readFileSync(file, 'utf8');
  const lines = src.split('\n');
  let depth = 0; // list items and blockquotes we are in
  const tokens = md.parse(src, {});
  // A top-level block between two lists, with no heading between them,
  // is a list item's content that fell out of its item (the second list
  // is the first one cut in two).
  const top = tokens.filter((t) => t.level === 0 && t.nesting !== -1 && t.map);
  for (let i = 1; i < top.length - 1; i++) {
    const isList = (t) => t.type === 'bullet_list_open' || t.type === 'ordered_list_open';
    if (isList(top[i]) || top[i].type === 'heading_open' || !isList(top[i - 1])) continue;
    let j = i;
    while (j < top.length && !isList(top[j]) && top[j].type !== 'heading_open') j++;
    if (j < top.length && isList(top[j]) && top[j].markup === top[i - 1].markup) {
      failures++;
      const [from] = top[i].map;
      console.error(`${file}:${from + 1}: a ${top[i].type.replace('_open', '')} between two parts of one list: indent it under its list item, or add a heading:\n  ${lines[from]}`);
    }
  }
  for (const tok of tokens) {
    if (tok.type === 'list_item_open' || tok.type === 'blockquote_open') depth++;
    if (tok.type === 'list_item_close' || tok.type === 'blockquote_close') depth--;
    if (depth > 0 || !tok.map) continue;
    const [from, to] = tok.map;
    const report = (what) => {
      failures++;
      console.error(`${file}:${from + 1}: ${what}:\n  ${lines.slice(from, Math.min(to, from + 3)).join('\n  ')}`);
    };
    switch (tok.type) {
      case 'code_block':
        report('an indented code block outside any list (indent it under its list item, or fence it)');
        break;
      case 'fence':
        if (/^\s/.test(lines[from])) report('an indented code fence outside any list item');
        break;
      case 'paragraph_open':
      case 'table_open':
      case 'heading_open':
        for (let i = from; i < to; i++) {
          if (/^\s+\S/.test(lines[i])) {
            report(`an indented line in a ${tok.type.replace('_open', '')} outside any list item (line ${i + 1})`);
            break;
          }
        }
        break;
    }
  }
}
if (failures > 0) {
  console.error(`${failures} block(s) render outside the list they are indented for`);
  process.exit(1);
}
