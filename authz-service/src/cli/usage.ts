/** `authz-service --help`. */
export const AUTHZ_USAGE = `Usage: authz-service [command] --config <file>

Commands:
  start      run the authorizer (the default)
  check      load and validate the configuration (routes parsed against the networks), then exit

Options:
  -c, --config <file>  YAML or JSON configuration (default: $TURNPIKE_AUTHZ_CONFIG)
  -h, --help           print this help

Environment overrides: TURNPIKE_AUTHZ__<path>__<to>__<key>=<value> (docs/configuration.md).
Exit status: 0 done, 2 usage or configuration error (every problem listed), 1 any other failure.
`;
