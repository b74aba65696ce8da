// The console's shell: who is logged in (the login page until someone is), the navigation, and the router
// that loads each page module from pages/ when it is first visited (routes.ts lists them).
import type { AnyComponent } from 'preact';
import { ErrorBoundary, LocationProvider, Route, Router, lazy, useLocation } from 'preact-iso';
import { AuthProvider, useAuth } from './auth';
import { Loading } from './components/common';
import { LoginPage } from './login';
import { pageRoutes } from './routes';

// A page reads its path parameters with useRoute().params and its query with useLocation().query.
type PageModule = { default: AnyComponent<object> };
const modules = import.meta.glob<PageModule>('./pages/*.tsx');

const pageComponent = (page: string) => {
  const load = modules[`./pages/${page}.tsx`];
  return load ? lazy(() => load().then((m) => m.default)) : undefined;
};
const routes = pageRoutes.flatMap((r) => {
  const component = pageComponent(r.page);
  return component ? [{ ...r, component }] : [];
});

function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no page at this address. <a href="/">Go to the overview</a>.
      </p>
    </section>
  );
}

function Navigation() {
  const { me, can, logout } = useAuth();
  const { path } = useLocation();
  const current = (p: string) => (p === '/' ? path === '/' : path === p || path.startsWith(`${p}/`));
  return (
    <nav class="sidebar" aria-label="Main">
      <a class="brand" href="/">
        whalefall
      </a>
      <ul>
        {routes
          .filter((r) => r.nav && (!r.needs || can(r.needs)))
          .map((r) => (
            <li key={r.path}>
              <a
                href={r.path}
                aria-current={
                  current(r.path) &&
                  !routes.some(
                    (o) => o.nav && o.path !== r.path && o.path.startsWith(r.path) && current(o.path),
                  )
                    ? 'page'
                    : undefined
                }
              >
                {r.nav}
              </a>
            </li>
          ))}
      </ul>
      <div class="whoami">
        <span>
          {me?.username} <span class="muted">({me?.role})</span>
        </span>
        <button type="button" onClick={() => void logout()}>
          Log out
        </button>
      </div>
    </nav>
  );
}

function Shell() {
  const { me } = useAuth();
  if (me === undefined) return <Loading />;
  if (me === null) return <LoginPage />;
  return (
    <div class="layout">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <Navigation />
      <main id="main" tabIndex={-1}>
        <ErrorBoundary>
          <Router>
            {[
              ...routes.map((r) => <Route key={r.path} path={r.path} component={r.component} />),
              <Route key="404" default component={NotFound} />,
            ]}
          </Router>
        </ErrorBoundary>
      </main>
    </div>
  );
}

export function App() {
  return (
    <LocationProvider>
      <AuthProvider>
        <Shell />
      </AuthProvider>
    </LocationProvider>
  );
}
