exports.something = 1;
