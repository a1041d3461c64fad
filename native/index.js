// Loads the compiled addon. Only src/sys/ requires this module.
'use strict';
module.exports = require('./build/Release/tskeepalived_native.node');
