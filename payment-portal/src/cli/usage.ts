/** `payment-portal --help`. */
export const PORTAL_USAGE = `Usage: payment-portal [command] --config <file>

Commands:
  start      run the portal (the default): migrates, then serves the public and internal listeners
  migrate    apply pending database migrations under the advisory lock, then exit
  check      load and validate the configuration (and the token signing keys), then exit

Options:
  -c, --config <file>  YAML or JSON configuration (default: $TURNPIKE_PORTAL_CONFIG)
  -h, --help           print this help

Environment overrides: TURNPIKE_PORTAL__<path>__<to>__<key>=<value> (docs/configuration.md).
Exit status: 0 done, 2 usage or configuration error (every problem listed), 1 any other failure.
`;
