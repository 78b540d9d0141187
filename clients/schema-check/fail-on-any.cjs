// A graphql-inspector completion handler for comparing the schema a running
// server serves with the committed schema.graphql: any difference fails, except
// for directives that gqlgen builds in (introspection shows @defer, which
// `karmayogi schema` leaves out as it leaves out every built-in).
const builtIn = new Set(['defer', 'oneOf', 'specifiedBy', 'deprecated', 'include', 'skip']);

function isBuiltInDirective(change) {
  if (!change.type.startsWith('DIRECTIVE_')) return false;
  const name = change.meta?.removedDirectiveName ?? change.meta?.addedDirectiveName ?? change.meta?.directiveName;
  return builtIn.has(name);
}

module.exports = function failOnAnyChange({ breakingChanges, dangerousChanges, nonBreakingChanges }) {
  const diffs = [...breakingChanges, ...dangerousChanges, ...nonBreakingChanges].filter((c) => !isBuiltInDirective(c));
  if (diffs.length > 0) {
    console.error(`the server's schema differs from schema.graphql in ${diffs.length} place(s); run make generate`);
    process.exit(1);
  }
  console.log("the server serves schema.graphql (built-in directives aside)");
};
