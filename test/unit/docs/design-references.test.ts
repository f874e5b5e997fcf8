/**
 * The repo stands on its own: what its comments and docs cite is in the repo. Every citation of a
 * docs/design.md section names a heading that exists, no file cites numbered sections of a
 * document kept elsewhere, and every relative link of a Markdown file lands on a file of the repo.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const designDocPath = path.join(REPO_ROOT, 'docs', 'design.md');

/** Dependencies, build output, the local runtime's state and tool caches: not the repo's own text. */
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'cdk.out', 'coverage', 'dist']);
/** Dot-directories holding files of the repo; the others (.git, .local, .venv, …) are skipped. */
const KEPT_DOT_DIRECTORIES = new Set(['.ci', '.github']);
const TEXT_EXTENSIONS = new Set(['', '.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.py', '.md', '.txt', '.json', '.yml', '.yaml', '.sh', '.toml']);
/** Generated and large; it cites nothing. */
const SKIPPED_FILES = new Set(['package-lock.json']);
const MAX_FILE_BYTES = 2 * 1024 * 1024;

interface RepoFile {
  /** Relative to the repo root, with forward slashes. */
  path: string;
  text: string;
}

function repoTextFiles(directory: string = REPO_ROOT): RepoFile[] {
  const files: RepoFile[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const absolute = path.join(directory, entry.name);
    if (entry.isDirectory()) {
      if (SKIPPED_DIRECTORIES.has(entry.name)) continue;
      if (entry.name.startsWith('.') && !KEPT_DOT_DIRECTORIES.has(entry.name)) continue;
      files.push(...repoTextFiles(absolute));
      continue;
    }
    if (!entry.isFile() || SKIPPED_FILES.has(entry.name) || !TEXT_EXTENSIONS.has(path.extname(entry.name))) continue;
    if (statSync(absolute).size > MAX_FILE_BYTES) continue;
    const text = readFileSync(absolute, 'utf8');
    if (text.includes('\0')) continue;
    files.push({ path: path.relative(REPO_ROOT, absolute).split(path.sep).join('/'), text });
  }
  return files;
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens. */
function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Anchors of the Markdown headings of a document, code blocks left out. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let inCodeBlock = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) inCodeBlock = !inCodeBlock;
    const heading = inCodeBlock ? null : /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) anchors.add(headingAnchor(heading[1]));
  }
  return anchors;
}

interface Finding {
  file: string;
  line: number;
  text: string;
}

function findAll(files: readonly RepoFile[], pattern: RegExp): Array<Finding & { match: RegExpExecArray }> {
  const found: Array<Finding & { match: RegExpExecArray }> = [];
  for (const file of files) {
    file.text.split('\n').forEach((line, index) => {
      for (const match of line.matchAll(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`))) {
        found.push({ file: file.path, line: index + 1, text: match[0], match: match as RegExpExecArray });
      }
    });
  }
  return found;
}

/** `docs/design.md#relay`, `../docs/design.md#relay`, `design.md#relay` (from docs/). */
const designSectionCitation = /(?<![\w.-])design\.md#([\w-]+)/;
/** A numbered section of a document named in capitals, the way an outside design or style guide was cited. */
const CAPITALISED_SECTION_CITATION = /\b[A-Z]{3,}(?:\.md)?`? §\s?\d/;
/** A path into a folder beside the repository's root, where the outside documents were kept. */
const SIBLING_SHARED_FOLDER = /\.\.\/shared\b/;
/** `[text](target)` with a relative target (no scheme, not only an anchor). */
const RELATIVE_MARKDOWN_LINK = /\]\((?![a-z][a-z0-9+.-]*:|#)([^)\s]+)\)/i;

describe('headingAnchor', () => {
  it.each([
    ['Relay', 'relay'],
    ['Keys and items', 'keys-and-items'],
    ['HTTP API', 'http-api'],
    ['cdk-nag', 'cdk-nag'],
    ['Table items (one table; pk and sk are strings)', 'table-items-one-table-pk-and-sk-are-strings'],
  ])('gives %s the anchor %s', (heading, anchor) => {
    expect(headingAnchor(heading)).toBe(anchor);
  });

  it('ignores lines in code blocks that look like headings', () => {
    expect([...headingAnchors('# Title\n```\n# not a heading\n```\n## Relay\n')]).toEqual(['title', 'relay']);
  });
});

describe('the repo refers to nothing outside it', () => {
  const files = repoTextFiles();
  const designAnchors = headingAnchors(readFileSync(designDocPath, 'utf8'));

  it('finds the files it checks (the walk reaches sources, docs and tests)', () => {
    const paths = files.map((file) => file.path);
    for (const expected of ['README.md', 'docs/design.md', 'lambdas/dualwrite/relay/relay-algorithm.ts', 'local/emulator/moto_launcher.py']) {
      expect(paths).toContain(expected);
    }
  });

  it('cites only sections of docs/design.md that exist', () => {
    const citations = findAll(files, designSectionCitation);
    expect(citations.length).toBeGreaterThan(0);
    const broken = citations.filter((citation) => !designAnchors.has(citation.match[1])).map(({ file, line, text }) => ({ file, line, text }));
    expect(broken).toEqual([]);
  });

  it('cites no numbered section of a document kept elsewhere', () => {
    expect(findAll(files, CAPITALISED_SECTION_CITATION).map(({ file, line, text }) => ({ file, line, text }))).toEqual([]);
  });

  it('names no folder beside the repository', () => {
    expect(findAll(files, SIBLING_SHARED_FOLDER).map(({ file, line, text }) => ({ file, line, text }))).toEqual([]);
  });

  it('links, from Markdown, only to files of the repository', () => {
    const markdown = files.filter((file) => file.path.endsWith('.md'));
    const broken = findAll(markdown, RELATIVE_MARKDOWN_LINK)
      .filter(({ file, match }) => {
        const target = decodeURI(match[1].split('#')[0]);
        const resolved = path.resolve(REPO_ROOT, path.dirname(file), target);
        return path.relative(REPO_ROOT, resolved).startsWith('..') || !existsSync(resolved);
      })
      .map(({ file, line, text }) => ({ file, line, text }));
    expect(broken).toEqual([]);
  });
});
