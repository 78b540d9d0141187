// A graphql-inspector diff rule: a breaking change that CHANGELOG.md records under
// "## Unreleased" with its exact schema path in backticks (`Query.learners`,
// `Learner.email`, `Query.learners.first` for an argument, `CourseFormat.ONLINE`
// for an enum value, `Learner` for a type) is downgraded to dangerous, so
// `graphql-inspector diff` fails only on breaking changes nobody recorded.
//
// CHANGELOG.md is found at $SCHEMA_CHANGELOG, else at the repository root.
const fs = require('node:fs');
const path = require('node:path');

/** The schema paths in backticks in the "## Unreleased" section of a changelog. */
function recordedPaths(text) {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => /^##\s+Unreleased\b/i.test(l));
  if (start < 0) return new Set();
  const section = [];
  for (const line of lines.slice(start + 1)) {
    if (/^##\s/.test(line)) break;
    section.push(line);
  }
  const paths = new Set();
  for (const m of section.join('\n').matchAll(/`([_A-Za-z][_0-9A-Za-z]*(?:\.[_A-Za-z][_0-9A-Za-z]*)*)`/g)) {
    paths.add(m[1]);
  }
  return paths;
}

function changelogRule({ changes }) {
  const file = process.env.SCHEMA_CHANGELOG || path.join(__dirname, '..', '..', 'CHANGELOG.md');
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    console.error(`schema check: cannot read ${file}: ${err.message}`);
  }
  const recorded = recordedPaths(text);
  return changes.map((change) => {
    if (change.criticality.level !== 'BREAKING') return change;
    if (change.path && recorded.has(change.path)) {
      return {
        ...change,
        message: `${change.message} (breaking, recorded in CHANGELOG.md)`,
        criticality: { ...change.criticality, level: 'DANGEROUS' },
      };
    }
    return {
      ...change,
      message: `${change.message} — not in CHANGELOG.md: list \`${change.path ?? '?'}\` under "## Unreleased"` +
        (change.type === 'FIELD_REMOVED' ? ' (and deprecate before removing)' : ''),
    };
  });
}

// graphql-inspector loads a rule with require(); the module is the rule.
module.exports = changelogRule;
module.exports.recordedPaths = recordedPaths;
