const addon = require('fake-native');

exports.handler = async () => ({ statusCode: 200, body: addon.where() });
