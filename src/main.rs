use std::process::ExitCode;

fn main() -> ExitCode {
    clusterforge::cli::main_with(open_gui)
}

#[cfg(feature = "gui")]
fn open_gui(plan: Option<std::path::PathBuf>, catalog: clusterforge::model::Catalog) -> ExitCode {
    clusterforge::ui::run(plan, catalog)
}

#[cfg(not(feature = "gui"))]
fn open_gui(_plan: Option<std::path::PathBuf>, _catalog: clusterforge::model::Catalog) -> ExitCode {
    eprintln!(
        "this build of clusterforge has no GUI (built without the `gui` feature); run `clusterforge --help` for the headless commands"
    );
    ExitCode::from(clusterforge::exit::EXIT_USAGE)
}
