'use strict';
// Validates scenario files against schema/scenario.schema.json with ajv in
// its default mode (strict), as editors and JavaScript tools would.
//
//   node check.js [FILE.yaml...]   (default: every scenarios/**/*.y{a,}ml)
//
// Exit status: 0 every file is valid, 1 some file is not (one line per
// problem: file: /path: message), 2 the schema does not compile or ajv
// warned about it.
const fs = require('node:fs');
const path = require('node:path');
const Ajv2020 = require('ajv/dist/2020').default;
const YAML = require('yaml');

const root = path.resolve(__dirname, '..', '..');
const schemaPath = path.join(root, 'schema', 'scenario.schema.json');

// compile returns the validate function and every warning ajv logged.
function compile() {
    const warnings = [];
    const logger = {
        log: (...a) => warnings.push(a.join(' ')),
        warn: (...a) => warnings.push(a.join(' ')),
        error: (...a) => warnings.push(a.join(' ')),
    };
    const ajv = new Ajv2020({ logger });
    // Editors' annotation keywords (VS Code, the YAML language server).
    ajv.addKeyword({ keyword: 'markdownDescription', schemaType: 'string' });
    ajv.addKeyword({ keyword: 'markdownEnumDescriptions', schemaType: 'array' });
    const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
    const validate = ajv.compile(schema);
    return { validate, warnings, ajv };
}

function scenarioFiles(dir) {
    const out = [];
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) out.push(...scenarioFiles(p));
        else if (/\.ya?ml$/i.test(e.name)) out.push(p);
    }
    return out;
}

// check validates one YAML text; it returns the problems, "" when valid.
function check(validate, text) {
    const doc = YAML.parse(text);
    if (validate(doc)) return [];
    return validate.errors.map((e) => `${e.instancePath || '/'}: ${e.message}`);
}

module.exports = { compile, scenarioFiles, check, root };

if (require.main === module) {
    const { validate, warnings } = compile();
    if (warnings.length) {
        for (const w of warnings) console.error(`ajv: ${w}`);
        process.exit(2);
    }
    const files = process.argv.length > 2 ? process.argv.slice(2) : scenarioFiles(path.join(root, 'scenarios'));
    let bad = 0;
    for (const f of files) {
        const problems = check(validate, fs.readFileSync(f, 'utf8'));
        if (problems.length) bad++;
        for (const p of problems) console.log(`${path.relative(process.cwd(), f)}: ${p}`);
    }
    console.log(`ajv: ${files.length - bad} of ${files.length} scenario files valid`);
    process.exit(bad ? 1 : 0);
}
