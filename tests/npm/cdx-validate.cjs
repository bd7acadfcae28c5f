// Validate a CycloneDX 1.5 JSON file with CycloneDX's own library: its
// bundled JSON schemas (bom-1.5, spdx, jsf) in strict mode, run by ajv.
// Exit 0 when valid; otherwise print the schema errors and exit 1.
'use strict';
const fs = require('fs');
const CDX = require('@cyclonedx/cyclonedx-library');

async function main(path) {
	const text = fs.readFileSync(path, 'utf8');
	const v = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot5);
	const errors = await v.validate(text);
	if (errors === null) {
		console.log(`${path}: valid CycloneDX 1.5 (strict schema)`);
		return 0;
	}
	console.log(`${path}: NOT valid CycloneDX 1.5:`);
	for (const e of [].concat(errors).slice(0, 20))
		console.log(`  ${e.instancePath || '/'}: ${e.message || JSON.stringify(e)}`);
	return 1;
}

main(process.argv[2]).then((rc) => process.exit(rc), (e) => {
	console.error(e && e.stack ? e.stack : String(e));
	process.exit(2);
});
